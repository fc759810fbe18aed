// The exact objective E[r] − β·KL of the policy a tabular row's decoder estimates (Q̂ → Q*), by enumeration.
import type { DecodingParams } from '../src/config/schema';
import { topK, valuePolicy, type PolicyValue } from '../src/models/exact';
import { tabularSuite } from '../src/models/inProcess';
import { parseWords } from '../src/models/tabular';

const suite = tabularSuite();

/** The decoder's target at infinite N: softmax (or argmax) of log π_base + α·Q*_r over the baseline's top-k, from the prompt's state. */
export function exactTabularObjective(prompt: string, baselineModel: string, p: DecodingParams): PolicyValue {
  const proposerDist = baselineModel === 'tabular-rho-rbl' ? suite.dists.rhoStarRbl : suite.dists.rhoStarR;
  const policy = valuePolicy(suite.dists.base, (s) => topK(proposerDist(s), p.topK), (s, z) => suite.exact.qStar(s, z), p.alpha, p.selection, p.selectionTemperature);
  return suite.exact.evaluate(policy, parseWords(suite.world, prompt, true));
}

export const tabularBeta = suite.beta;
