// The strength α a TQ* step uses (decoding.strength).
import type { DecodingParams } from '../../config/schema';
import { alphaForKl, type RewardSpread } from '../strength';
import type { Candidate } from './tqCandidates';

/**
 * The step's α: decoding.alpha; (strength "spread") scaledAlpha over the spread of the rewards seen so
 * far in the run (the implicit estimator sees no reward: its values are in units of betaBaseline);
 * or (strength "kl") the α whose policy over the candidates is klBudget nats from π_base.
 */
export function stepAlpha(p: DecodingParams, cands: readonly Candidate[], spread: RewardSpread | undefined, implicit = false, value: (c: Candidate) => number | undefined = (c) => c.estimate?.q): number {
  if (p.strength === 'alpha') return p.alpha;
  if (p.strength === 'spread') {
    const sd = implicit ? p.betaBaseline : spread?.sd();
    return sd ? p.scaledAlpha / sd : 0;
  }
  const lb = cands.map((c) => c.logprobBase ?? -Infinity);
  const q = cands.map((c) => value(c) ?? NaN);
  return alphaForKl(lb, q, p.klBudget).alpha;
}
