// Early-pruned Best-of-N (speculative rejection): N partial answers, scored every m tokens, the best share continued.
import type { StrategyFactory } from '../context';
import { argmaxFirst, emptyParticle, growParticles, particleOutcome, type Particle } from './particles';

/**
 * N answers from the Best-of-N sampler, grown `checkpointTokens` (m) tokens at a time. At each
 * checkpoint every answer still in the race is scored on its partial text and only the best
 * ⌈keepFraction · n⌉ of them stay (ties: the earlier one); answers that have ended stay in the race
 * with their final reward but are not grown. When every survivor has ended, the best reward is kept.
 *
 * keepFraction 1 is Best-of-N (every answer grown to the end; with m ≥ maxTokens it is Best-of-N's
 * very request and answer); N = 1 is one sample from the sampler. Cost: the tokens actually sampled,
 * one sample request per round (per count of identical prefixes) and one reward call per checkpoint.
 */
export const specRejection: StrategyFactory = (ctx) => ({
  async step(state) {
    const { params } = ctx;
    const which = params.bestOfNModel;
    const model = ctx.env[which];
    let alive: Particle[] = Array.from({ length: params.bestOfN }, emptyParticle);
    let rewards: number[] = [];
    const sizes: number[] = [];
    for (let round = 0; ; round++) {
      alive = await growParticles(ctx, state, model, alive, params.checkpointTokens, round === 0 ? null : `prune-${round}`);
      rewards = await ctx.rewards(alive.map((p) => p.text));
      sizes.push(alive.length);
      if (alive.every((p) => p.finish !== null)) break;
      const keep = Math.max(1, Math.ceil(params.keepFraction * alive.length - 1e-9));
      const order = alive.map((_, i) => i).sort((a, b) => rewards[b]! - rewards[a]! || a - b);
      const kept = order.slice(0, keep).sort((a, b) => a - b);
      alive = kept.map((i) => alive[i]!);
      rewards = kept.map((i) => rewards[i]!);
    }
    const best = argmaxFirst(rewards);
    return particleOutcome(model, which, alive, rewards, best, alive.map((_, i) => (i === best ? 1 : 0)), `answers in the race at each checkpoint: ${sizes.join(' → ')}`);
  },
});
