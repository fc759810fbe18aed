// Q̂ estimators of ALGORITHM.md step 5: the Monte-Carlo mean (direct transfer) and
// self-normalised importance sampling in log space (indirect transfer).
import { logSumExp } from './logspace';

export interface QEstimate {
  q: number;
  /** null when it cannot be estimated (fewer than two samples). */
  stderr: number | null;
  /** Effective sample size; equals N for the plain mean. */
  ess: number;
  /** Self-normalised weights (sum to 1), importance sampling only. */
  weights?: number[];
}

/** Direct transfer: Q̂ = (1/N) Σ r_i, standard error s/√N with the unbiased sample variance. */
export function meanEstimate(rewards: readonly number[]): QEstimate {
  const n = rewards.length;
  let sum = 0;
  for (const r of rewards) sum += r;
  const q = sum / n;
  if (n < 2) return { q, stderr: null, ess: n };
  let ss = 0;
  for (const r of rewards) ss += (r - q) * (r - q);
  return { q, stderr: Math.sqrt(ss / (n - 1) / n), ess: n };
}

/**
 * Indirect transfer: Q̂ = Σ w_i r_i / Σ w_i from log-weights (normalised with log-sum-exp, so
 * exp(r/β) never overflows). Standard error by the delta method for a ratio estimator,
 * √(Σ w̄_i² (r_i − Q̂)²), the usual self-normalised IS variance estimate; ESS = (Σw)²/Σw² = 1/Σw̄².
 */
export function selfNormalisedEstimate(rewards: readonly number[], logWeights: readonly number[]): QEstimate {
  const lse = logSumExp(logWeights);
  const weights = logWeights.map((lw) => Math.exp(lw - lse));
  let q = 0;
  let sumSq = 0;
  for (let i = 0; i < rewards.length; i++) {
    q += weights[i] * rewards[i];
    sumSq += weights[i] * weights[i];
  }
  let v = 0;
  for (let i = 0; i < rewards.length; i++) v += weights[i] * weights[i] * (rewards[i] - q) * (rewards[i] - q);
  return { q, stderr: rewards.length < 2 ? null : Math.sqrt(v), ess: 1 / sumSq, weights };
}

/**
 * The implicit (rollout-free) value of a DPO-style baseline: β_BL·[log ρ_BL(z|s) − log π_base(z|s)].
 * When ρ_BL is the optimal policy ρ* for a reward at strength β_BL, this equals the soft advantage
 * Q_soft(s, z) − V_soft(s) with V_soft(s) = β_BL·log E_{π_base}[exp(r/β_BL) | s] exactly.
 */
export function implicitValue(logprobBaseline: number, logprobBase: number, betaBaseline: number): number {
  return betaBaseline * (logprobBaseline - logprobBase);
}
