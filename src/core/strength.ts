// The step's strength α: given as is (strength "alpha"), or chosen at each step so that the step's
// policy moves a fixed KL away from π_base (strength "kl"): a knob that means the same for every reward.
import { logSumExp } from './logspace';

/** The finite (log π_base, Q̂) pairs: candidates without either take no part in the tilt. */
function finitePairs(logBase: readonly number[], q: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < logBase.length; i++) if (Number.isFinite(logBase[i]) && Number.isFinite(q[i])) out.push([logBase[i], q[i]]);
  return out;
}

/**
 * KL(p_α ‖ b) over the candidates, where b is π_base renormalised over them and p_α ∝ b·exp(α·Q̂)
 * is the step's policy. KL(α) = α·E_{p_α}[Q̂] − log E_b[exp(α·Q̂)], so dKL/dα = α·Var_{p_α}(Q̂) ≥ 0:
 * it grows with α from 0 to −log b(argmax Q̂).
 */
export function tiltKl(logBase: readonly number[], q: readonly number[], alpha: number): number {
  const pairs = finitePairs(logBase, q);
  if (!pairs.length) return 0;
  const lb = logSumExp(pairs.map(([l]) => l));
  const tilted = pairs.map(([l, v]) => l - lb + alpha * v);
  const lz = logSumExp(tilted);
  let kl = 0;
  for (let i = 0; i < pairs.length; i++) {
    const p = Math.exp(tilted[i] - lz);
    if (p > 0) kl += p * (alpha * pairs[i][1] - lz);
  }
  return Math.max(0, kl);
}

export interface Strength {
  alpha: number;
  /** KL(p_α ‖ π_base over the candidates) at that α. */
  kl: number;
  /** The budget could not be spent: even α → ∞ (all mass on the best Q̂) moves less. */
  saturated: boolean;
}

/**
 * The α ≥ 0 at which the step's policy is `budget` nats from π_base over the candidates, by bisection
 * (KL is increasing in α, see tiltKl). Scale-free: Q̂ multiplied by c gives α divided by c and the
 * same policy, because the search starts from 1/(max Q̂ − min Q̂). Equal Q̂ (no spread) gives α = 0.
 */
export function alphaForKl(logBase: readonly number[], q: readonly number[], budget: number): Strength {
  const pairs = finitePairs(logBase, q);
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, v] of pairs) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const spread = hi - lo;
  if (!(spread > 0) || budget <= 0) return { alpha: 0, kl: 0, saturated: false };
  const kl = (a: number) => tiltKl(logBase, q, a);
  let a0 = 0;
  let a1 = 1 / spread;
  // A policy all on argmax Q̂ is reached by α·spread ≈ 50 (the others' weights fall below e^-50).
  while (kl(a1) < budget) {
    if (a1 * spread > 1e4) return { alpha: a1, kl: kl(a1), saturated: true };
    a0 = a1;
    a1 *= 2;
  }
  for (let i = 0; i < 60; i++) {
    const m = (a0 + a1) / 2;
    if (kl(m) < budget) a0 = m;
    else a1 = m;
  }
  return { alpha: a1, kl: kl(a1), saturated: false };
}

/**
 * The spread of the rewards seen so far in a run (strength "spread": α = scaledAlpha / σ̂): Welford's
 * running mean and variance. Standardising Q̂ by it keeps α constant within a run, so the policy stays
 * in the π_base·exp(α·Q) family that the KL-regularised objective favours, and it is scale-free.
 */
export class RewardSpread {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(xs: Iterable<number>): void {
    for (const x of xs) {
      if (!Number.isFinite(x)) continue;
      this.n++;
      const d = x - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (x - this.mean);
    }
  }
  /** The sample standard deviation; null before two rewards, or while they are all equal. */
  sd(): number | null {
    if (this.n < 2 || !(this.m2 > 0)) return null;
    return Math.sqrt(this.m2 / (this.n - 1));
  }
}
