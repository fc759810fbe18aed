// KL(π_decoded ‖ π_base) of one answer from the log-probabilities along it, with the estimator named.
import type { DecodingParams, StrategyName } from '../config/schema';
import type { DecodeResult } from '../core/events';

/**
 * How a per-answer value relates to KL(π_decoded ‖ π_base) once averaged over answers:
 * - 'exact': the decoded policy is known exactly (sampling from π_base: 0; a deterministic
 *   answer y — greedy or the baseline alone, greedy ARGS: −log π_base(y));
 * - 'plug-in': log π_dec(y) − log π_base(y) with π_dec the step policies the decoder reported
 *   (unbiased for the realised policy; Q̂ noise is part of it);
 * - 'upper': −log π_base(y) for a greedy selection whose choices still vary with the rollouts
 *   (cross-entropy ≥ KL);
 * - 'bound': Best-of-N's log N − (N−1)/N (an upper bound, Beirami et al. 2024) plus
 *   log q(y) − log π_base(y) of its sampler q.
 */
export type KlEstimator = 'exact' | 'plug-in' | 'upper' | 'bound';

export interface KlValue {
  value: number;
  estimator: KlEstimator;
}

/** log π_dec(y) of a token-level decode from its steps' selection probabilities; null when a step has none (block acceptance). */
function stepPolicyLogprob(r: DecodeResult): number | null {
  let s = 0;
  for (const step of r.steps) {
    if (step.accepted.length) return null;
    const c = step.candidates.find((x) => x.chosen);
    if (!c || !(c.selectProb > 0)) return null;
    s += Math.log(c.selectProb);
  }
  return s;
}

/** The kept whole response's log-probability under the model that sampled it. */
function samplerLogprob(r: DecodeResult, p: DecodingParams): number | null {
  const c = r.steps[0]?.candidates.find((x) => x.chosen);
  if (!c) return null;
  return p.bestOfNModel === 'base' ? c.logprobBase : c.logprobBaseline;
}

/**
 * `logBase` is log π_base(y | x) of the answer's tokens (with the EOS decision when it ended by
 * EOS), scored on the base model. Null when the answer is unfinished or the strategy's policy has
 * no per-answer probability (blockwise).
 */
export function answerKl(strategy: StrategyName, p: DecodingParams, r: DecodeResult, logBase: number | null): KlValue | null {
  if (r.finish === 'error' || r.finish === 'aborted') return null;
  if (strategy === 'sample') return { value: 0, estimator: 'exact' };
  if (logBase === null || !Number.isFinite(logBase)) return null;
  switch (strategy) {
    case 'greedy':
    case 'baseline':
      return { value: -logBase, estimator: 'exact' };
    case 'tqstar':
    case 'cd':
    case 'args': {
      // Greedy ARGS has no randomness (the reward of a text is fixed): its answer is a point mass. TQ* and CD choose by random Q̂.
      if (p.selection === 'greedy') return { value: -logBase, estimator: strategy === 'args' ? 'exact' : 'upper' };
      const lp = stepPolicyLogprob(r);
      return lp === null ? null : { value: lp - logBase, estimator: 'plug-in' };
    }
    case 'bon': {
      const lq = samplerLogprob(r, p);
      const n = p.bestOfN;
      return lq === null ? null : { value: lq + Math.log(n) - (n - 1) / n - logBase, estimator: 'bound' };
    }
    case 'softbon': {
      const lq = samplerLogprob(r, p);
      const kept = r.steps[0]?.candidates.find((x) => x.chosen);
      // π_soft(y)/q(y) = N·E[p_kept]; the other N−1 draws of this run stand in for the expectation.
      return lq === null || !kept ? null : { value: lq + Math.log(p.bestOfN * kept.selectProb) - logBase, estimator: 'plug-in' };
    }
    case 'specrej': {
      // The kept answer is one of N draws from q, so its probability is at most N·q(y): KL ≤ log N + E[log q(y) − log π_base(y)].
      const lq = samplerLogprob(r, p);
      return lq === null ? null : { value: lq + Math.log(p.bestOfN) - logBase, estimator: 'bound' };
    }
    case 'blockwise':
    case 'smc':
      return null;
  }
}
