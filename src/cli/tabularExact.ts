// The exact objective E[r] − β·KL of each strategy's token-level policy on the tabular models (demo column).
import type { DecodingParams, StrategyName } from '../config/schema';
import type { TokenId } from '../core/model';
import { topK, valuePolicy } from '../models/exact';
import type { TabularSuite } from '../models/inProcess';
import type { NextDist } from '../models/tabular';

const argmax = (d: NextDist): NextDist => (s) => {
  const p = d(s);
  const out = new Float64Array(p.length);
  out[topK(p, 1)[0]!] = 1;
  return out;
};

/**
 * The policy a strategy converges to with exact values (N → ∞ rollouts): TQ* with Q*, CD with
 * Q^{π_base}, ARGS with the reward of the partial text. Whole-response strategies (bon, blockwise)
 * are not token-level policies: null.
 */
export function exactObjective(strategy: StrategyName, suite: TabularSuite, p: DecodingParams): number | null {
  const { dists, exact, world } = suite;
  const proposer = (s: readonly TokenId[]) => {
    const fromBase = topK(dists.base(s), p.topK);
    const fromBaseline = topK(dists.rhoStarR(s), p.topK);
    return p.proposer === 'base' ? fromBase : p.proposer === 'union' ? [...new Set([...fromBaseline, ...fromBase])] : fromBaseline;
  };
  const mode = p.selection;
  let policy: NextDist;
  switch (strategy) {
    case 'tqstar':
      policy = valuePolicy(dists.base, proposer, (s, z) => exact.qStar(s, z), p.alpha, mode, p.selectionTemperature);
      break;
    case 'cd':
      policy = valuePolicy(dists.base, proposer, (s, z) => exact.qBase(s, z), p.alpha, mode, p.selectionTemperature);
      break;
    case 'args':
      policy = valuePolicy(dists.base, (s) => topK(dists.base(s), p.topK), (s, z) => p.argsWeight * suite.rewardFn(z === world.eosId ? s : [...s, z]), 1, mode, p.selectionTemperature);
      break;
    case 'greedy':
      policy = argmax(dists.base);
      break;
    case 'baseline':
      policy = argmax(dists.rhoStarR);
      break;
    case 'sample':
      policy = dists.base;
      break;
    default:
      return null;
  }
  return exact.evaluate(policy).objective;
}
