// ARGS (Khanov et al. 2024): candidates = base top-k, value = log π_base(z) + w·r(x, [y<t, z]); no rollouts.
import type { StrategyFactory } from '../context';
import type { CandidateDiagnostics } from '../events';
import { select } from '../selection';
import { topEntryFlags } from './flags';
import { baseFavourite } from './tqCandidates';

export const args: StrategyFactory = (ctx) => ({
  async step(state) {
    const { env, params } = ctx;
    const eos = env.base.eosId;
    // Two requests per step: the base top-k, then one batched reward call over the partial texts.
    const [top] = await env.base.nextTokens([state.ids], params.topK, { signal: ctx.signal });
    const cands = top.filter((z) => Number.isFinite(z.logprob));
    // EOS ends the response: its partial text is the response so far.
    const rewards = await ctx.rewards(cands.map((z) => (z.id === eos ? '' : z.text)));
    const scores = cands.map((z, i) => z.logprob + params.argsWeight * rewards[i]);
    const { probs, index } = select(scores, params.selection, params.selectionTemperature, ctx.rngFor(state.step, 'select'));
    const candidates: CandidateDiagnostics[] = cands.map((z, i) => ({
      id: z.id,
      text: z.text,
      logprobBase: z.logprob,
      logprobBaseline: null,
      q: rewards[i],
      qStderr: null,
      ess: null,
      score: scores[i],
      selectProb: probs[i],
      chosen: i === index,
      rollouts: [],
      ...(topEntryFlags(z).length ? { flags: topEntryFlags(z) } : {}),
    }));
    const chosen = { id: cands[index].id, text: cands[index].text };
    // π_base's top-k at s_t is what ARGS proposes from: its head is the base's real top-1 (always proposed).
    const favourite = baseFavourite(top, cands);
    const baseTop = favourite ? { baseTop: favourite } : {};
    return chosen.id === eos ? { chosen, accepted: [], candidates, end: 'eos', eosChosen: true, ...baseTop } : { chosen, accepted: [], candidates, ...baseTop };
  },
});
