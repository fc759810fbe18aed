// Sequential Monte Carlo (particle filtering) with reward-twisted resampling.
import type { StrategyFactory } from '../context';
import type { Rng } from '../rng';
import { argmaxFirst, emptyParticle, growParticles, particleOutcome, type Particle } from './particles';

/**
 * Normalised weights of one checkpoint: w_i ∝ exp((r_i − r_prev,i)/λ), the incremental weight of the
 * twisted targets γ_t(y_{1:t}) ∝ q(y_{1:t})·exp(r(x, y_{1:t})/λ) when particles are drawn from q and
 * were resampled (equal weights) at the previous checkpoint. In log space (no overflow); λ = ∞ is uniform.
 */
export function twistWeights(rewards: readonly number[], previous: readonly number[], lambda: number): number[] {
  const logw = rewards.map((r, i) => (Number.isFinite(lambda) ? (r - previous[i]!) / lambda : 0));
  const max = Math.max(...logw);
  const w = logw.map((l) => Math.exp(l - max));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** Effective sample size (Σw)²/Σw² of normalised weights. */
export const ess = (w: readonly number[]): number => 1 / w.reduce((a, x) => a + x * x, 0);

/**
 * Systematic resampling: N ancestors at positions (u + j)/N, j = 0..N−1, on the weights' cumulative
 * sum, u ~ U[0, 1) drawn once. Particle i gets ⌊N·w_i⌋ or ⌈N·w_i⌉ children (the variance is the
 * least of the usual schemes), and equal weights give every particle exactly one.
 */
export function systematicResample(weights: readonly number[], u: number): number[] {
  const n = weights.length;
  const out: number[] = [];
  let i = 0;
  let cum = weights[0]!;
  for (let j = 0; j < n; j++) {
    const pos = (u + j) / n;
    while (pos >= cum && i < n - 1) cum += weights[++i]!;
    out.push(i);
  }
  return out;
}

/**
 * N particles (decoding.bestOfN) from the Best-of-N sampler q, grown `checkpointTokens` (m) tokens
 * at a time. At each checkpoint: every particle's partial text is scored, weighted by
 * exp((r_t − r_{t−1})/λ) (λ = decoding.selectionTemperature) and the particles are resampled
 * systematically; particles that have ended are carried (and copied) without growing. When all have
 * ended, selection "greedy" keeps the highest reward (first on ties), "sample" draws one by the last
 * weights. λ → ∞ keeps N independent samples (Best-of-N); N = 1 is one sample from q.
 */
export const smc: StrategyFactory = (ctx) => ({
  async step(state) {
    const { params } = ctx;
    const which = params.bestOfNModel;
    const model = ctx.env[which];
    const n = params.bestOfN;
    const lambda = params.selectionTemperature;
    let particles: Particle[] = Array.from({ length: n }, emptyParticle);
    // r(x, y_{1:0}) is the same for every particle: it cancels, so 0 stands in for it.
    let previous: number[] = new Array(n).fill(0);
    const esses: string[] = [];
    let rng: Rng | null = null;
    for (let round = 0; ; round++) {
      particles = await growParticles(ctx, state, model, particles, params.checkpointTokens, round === 0 ? null : `smc-${round}`);
      const rewards = await ctx.rewards(particles.map((p) => p.text));
      const w = twistWeights(rewards, previous, lambda);
      esses.push(ess(w).toFixed(1));
      if (particles.every((p) => p.finish !== null)) {
        const kept = params.selection === 'sample' ? ctx.rngFor(state.step, 'smc-final').categorical(w) : argmaxFirst(rewards);
        const probs = params.selection === 'sample' ? w : particles.map((_, i) => (i === kept ? 1 : 0));
        return particleOutcome(model, which, particles, rewards, kept, probs, `effective sample size at each checkpoint: ${esses.join(' → ')}`);
      }
      rng ??= ctx.rngFor(state.step, 'smc-resample');
      const ancestors = systematicResample(w, rng.next());
      particles = ancestors.map((a) => particles[a]!);
      previous = ancestors.map((a) => rewards[a]!);
    }
  },
});
