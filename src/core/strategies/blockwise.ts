// Blockwise best-of-K (CD-Q blockwise): K blocks of m tokens from the baseline, keep the best-reward block, repeat.
import type { StrategyFactory } from '../context';
import type { CandidateDiagnostics } from '../events';
import type { Token } from '../model';

export const blockwise: StrategyFactory = (ctx) => ({
  async step(state) {
    const { env, params } = ctx;
    const model = env.baseline;
    const eos: Token = { id: model.eosId ?? -1, text: '' };
    const [blocks] = await model.sample(
      {
        prompts: [state.ids],
        n: params.blockCandidates,
        temperature: params.rolloutTemperature,
        maxTokens: Math.min(params.blockSize, params.maxTokens - state.tokens.length),
        stop: params.stop,
        seed: ctx.seedFor(state.step, 'blocks'),
      },
      { signal: ctx.signal },
    );
    const rewards = await ctx.rewards(blocks.map((b) => b.text));
    let best = 0;
    for (let i = 1; i < rewards.length; i++) if (rewards[i] > rewards[best]) best = i;
    const candidates: CandidateDiagnostics[] = blocks.map((b, i) => ({
      id: b.tokens[0]?.id ?? eos.id,
      text: b.text,
      logprobBase: null,
      logprobBaseline: b.tokens.reduce((s, t) => s + t.logprob, b.eosLogprob ?? 0),
      q: rewards[i],
      qStderr: null,
      ess: null,
      score: rewards[i],
      selectProb: i === best ? 1 : 0,
      chosen: i === best,
      rollouts: [],
      flags: ['block: logprobBaseline is of the whole block; π_base not scored'],
    }));
    const b = blocks[best];
    const tokens = b.tokens.map((t) => ({ id: t.id, text: t.text }));
    const end = b.finish === 'eos' ? ('eos' as const) : b.finish === 'stop' ? ('stop' as const) : undefined;
    if (!tokens.length) return { chosen: eos, accepted: [], candidates, end: end ?? 'eos', eosChosen: true };
    return { chosen: tokens[0], accepted: tokens.slice(1), candidates, text: b.text, ...(end ? { end } : {}) };
  },
});
