// Strategies that take whole responses from one model: greedy, sampling, the baseline alone, and Best-of-N.
import type { StrategyFactory, StepOutcome, RunContext, DecodeState } from '../context';
import type { CandidateDiagnostics } from '../events';
import type { Completion, LanguageModel, Token } from '../model';

function sequenceLogprob(c: Completion): number {
  let s = c.eosLogprob ?? 0;
  for (const t of c.tokens) s += t.logprob;
  return s;
}

export function asCandidate(c: Completion, model: 'base' | 'baseline', eos: Token, reward: number | null, chosen: boolean, selectProb: number): CandidateDiagnostics {
  const first = c.tokens[0] ?? eos;
  const lp = sequenceLogprob(c);
  return {
    id: first.id,
    text: c.text,
    logprobBase: model === 'base' ? lp : null,
    logprobBaseline: model === 'baseline' ? lp : null,
    q: reward,
    qStderr: null,
    ess: null,
    score: reward ?? lp,
    selectProb,
    chosen,
    rollouts: [],
    flags: [`whole response: log-probability is of the full response under the ${model} model`],
  };
}

export function outcome(c: Completion, candidates: CandidateDiagnostics[], eos: Token): StepOutcome {
  const [first, ...rest] = c.tokens;
  const end = c.finish === 'eos' ? 'eos' : c.finish === 'stop' ? 'stop' : 'maxTokens';
  const strip = (t: Token) => ({ id: t.id, text: t.text });
  if (!first) return { chosen: eos, accepted: [], candidates, end, eosChosen: c.finish === 'eos', text: c.text };
  return { chosen: strip(first), accepted: rest.map(strip), candidates, end, text: c.text };
}

export async function sampleWhole(ctx: RunContext, state: DecodeState, model: LanguageModel, n: number, temperature: number): Promise<Completion[]> {
  const [completions] = await model.sample(
    {
      prompts: [state.ids],
      n,
      temperature,
      maxTokens: ctx.params.maxTokens - state.tokens.length,
      stop: ctx.params.stop,
      seed: ctx.seedFor(state.step, 'whole'),
    },
    { signal: ctx.signal },
  );
  return completions;
}

export const eosToken = (m: LanguageModel): Token => ({ id: m.eosId ?? -1, text: '' });

/** greedy (base, T=0), sample (base, T=1), baseline (baseline, T=0): one request for the whole response. */
export function singleModel(which: 'base' | 'baseline', temperature: number): StrategyFactory {
  return (ctx) => ({
    async step(state) {
      const model = ctx.env[which];
      const [c] = await sampleWhole(ctx, state, model, 1, temperature);
      return outcome(c, [asCandidate(c, which, eosToken(model), null, true, 1)], eosToken(model));
    },
  });
}

/** Best-of-N: N full responses in one sample call, one reward call, keep the best (first on ties). */
export const bestOfN: StrategyFactory = (ctx) => ({
  async step(state) {
    const which = ctx.params.bestOfNModel;
    const model = ctx.env[which];
    const completions = await sampleWhole(ctx, state, model, ctx.params.bestOfN, 1);
    const rewards = await ctx.rewards(completions.map((c) => c.text));
    let best = 0;
    for (let i = 1; i < rewards.length; i++) if (rewards[i] > rewards[best]) best = i;
    const candidates = completions.map((c, i) => asCandidate(c, which, eosToken(model), rewards[i], i === best, i === best ? 1 : 0));
    return outcome(completions[best], candidates, eosToken(model));
  },
});
