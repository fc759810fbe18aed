// Soft Best-of-N: N full responses, one kept at random with probability ∝ exp(r/λ) (λ = decoding.selectionTemperature).
import type { StrategyFactory } from '../context';
import { softmax } from '../logspace';
import { asCandidate, eosToken, outcome, sampleWhole } from './wholeResponse';

/**
 * The softened peer of Best-of-N a user would try next: λ → 0 is Best-of-N, λ → ∞ keeps a
 * uniformly drawn response (the sampler itself). Same requests as Best-of-N: one sample call for
 * the N responses, one reward call; the draw uses the run's seeded randomness.
 */
export const softBestOfN: StrategyFactory = (ctx) => ({
  async step(state) {
    const which = ctx.params.bestOfNModel;
    const model = ctx.env[which];
    const completions = await sampleWhole(ctx, state, model, ctx.params.bestOfN, 1);
    // The reward cache takes the text after the answer so far (RunContext.rewards).
    const rewards = await ctx.rewards(completions.map((c) => c.text));
    const probs = softmax(rewards, ctx.params.selectionTemperature);
    const kept = ctx.rngFor(state.step, 'softbon').categorical(probs);
    const candidates = completions.map((c, i) => asCandidate(c, which, eosToken(model), rewards[i], i === kept, probs[i]));
    return outcome(completions[kept], candidates, eosToken(model));
  },
});
