// The exact objective E[r] − β·KL of the policy a tabular row's decoder estimates (Q̂ → Q*), by enumeration.
import type { DecodingParams } from '../src/config/schema';
import type { DecodeResult } from '../src/core/index';
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

/**
 * Q̂ − Q*_r for every candidate valued by rollouts in a tabular run (the states rebuilt from the
 * steps). With H ≥ L and ρ*_r as baseline, direct transfer's Q̂ is an unbiased estimate of Q*_r
 * for fresh rollouts, so the mean of these errors measures any bias, e.g. from reused rollouts.
 */
export function qErrors(prompt: string, r: DecodeResult): number[] {
  const { world } = suite;
  const state = parseWords(world, prompt, true);
  const out: number[] = [];
  for (const step of r.steps) {
    for (const c of step.candidates) {
      if (c.q === null || c.id === world.eosId || c.rollouts.length === 0) continue;
      out.push(c.q - suite.exact.qStar(state, c.id));
    }
    if (step.chosen.id !== world.eosId) state.push(step.chosen.id);
    for (const t of step.accepted) state.push(t.id);
  }
  return out;
}
