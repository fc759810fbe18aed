// Reused rollouts cut at the horizon, extended by sampling to the full horizon instead of being used one token short or regenerated.
import type { RunContext } from '../context';
import type { CallOptions, LanguageModel, Token, TokenId } from '../model';
import { fromCompletion, type Rollout } from './rollouts';

/**
 * A rollout reused from [s_t, z] is τ' ~ ρ(·|[s_{t+1}, z']) cut at H − 1 − |accepted| tokens. Sampling
 * its continuation from ρ(·|[s_{t+1}, z', τ']) for the missing tokens gives, by the chain rule, a
 * draw of H tokens from ρ(·|[s_{t+1}, z']): the distribution a fresh rollout has, so Q̂ of a reused
 * candidate looks as far ahead as a fresh one. The extended text is scored again (its reward is new).
 * One sample request per distinct number of missing tokens (usually one: 1 + |accepted|).
 */
export async function extendReused<C extends Token & { rollouts: Rollout[] }>(
  ctx: RunContext,
  model: LanguageModel,
  cands: readonly C[],
  promptOf: (c: C) => TokenId[],
  horizon: number,
  step: number,
  opts: CallOptions,
): Promise<number> {
  const groups = new Map<number, Array<{ c: C; i: number }>>();
  for (const c of cands) {
    c.rollouts.forEach((r, i) => {
      if (r.finish !== 'length' || r.tokens.length >= horizon) return;
      const need = horizon - r.tokens.length;
      let g = groups.get(need);
      if (!g) groups.set(need, (g = []));
      g.push({ c, i });
    });
  }
  let extended = 0;
  await Promise.all(
    [...groups].map(async ([need, items]) => {
      const res = await model.sample(
        {
          prompts: items.map(({ c, i }) => [...promptOf(c), ...c.rollouts[i].tokens.map((t) => t.id)]),
          n: 1,
          temperature: ctx.params.rolloutTemperature,
          maxTokens: need,
          stop: ctx.params.stop,
          sharedPrefix: promptOf(items[0].c).length,
          seed: ctx.seedFor(step, `rollouts/extend/${need}`),
        },
        opts,
      );
      items.forEach(({ c, i }, j) => {
        const r = c.rollouts[i];
        const ext = fromCompletion(res[j][0]);
        // A fresh object: the old one (and its reward) may still be referenced by the last step's diagnostics.
        c.rollouts[i] = {
          tokens: [...r.tokens, ...ext.tokens],
          text: r.text + ext.text,
          finish: ext.finish,
          ...(ext.eosLogprob !== undefined ? { eosLogprob: ext.eosLogprob } : {}),
          ...(ext.eosTop ? { eosTop: ext.eosTop } : {}),
        };
        extended++;
      });
    }),
  );
  return extended;
}
