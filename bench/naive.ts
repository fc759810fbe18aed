// The reference schedule of a straight port of the authors' code: every batched call split into single-item requests, one at a time.
import type { CallOptions, Completion, LanguageModel, RewardPair, RewardSource, SampleRequest, ScoreRequest, ScoreResult, TokenId, TokenLogprob } from '../src/core/model';
import { deriveSeed } from '../src/core/rng';

/** One lock shared by all models and rewards of a decode: the Python loop never has two requests in flight. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const next = this.tail.then(f, f);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export function naiveModel(inner: LanguageModel, lock: Serial): LanguageModel {
  return {
    label: inner.label,
    get eosId() {
      return inner.eosId;
    },
    warnings: inner.warnings,
    async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
      const out: TokenLogprob[][] = [];
      for (const p of prompts) out.push((await lock.run(() => inner.nextTokens([p], k, opts)))[0]!);
      return out;
    },
    async sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]> {
      const out: Completion[][] = [];
      for (let i = 0; i < req.prompts.length; i++) {
        const perPrompt: Completion[] = [];
        for (let j = 0; j < req.n; j++) {
          // Each single request gets its own seed so that the split samples stay independent draws.
          const seed = req.seed === undefined ? undefined : deriveSeed(req.seed, 'naive', i, j) % 2 ** 31;
          const [[c]] = await lock.run(() => inner.sample({ ...req, prompts: [req.prompts[i]!], n: 1, ...(seed !== undefined ? { seed } : {}) }, opts));
          perPrompt.push(c!);
        }
        out.push(perPrompt);
      }
      return out;
    },
    async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
      const out: ScoreResult[] = [];
      for (const item of req.items) out.push((await lock.run(() => inner.score({ ...req, items: [item] }, opts)))[0]!);
      return out;
    },
    encode: (text, opts) => lock.run(() => inner.encode(text, opts)),
  };
}

export function naiveReward(inner: RewardSource, lock: Serial): RewardSource {
  return {
    label: inner.label,
    async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
      const out: number[] = [];
      for (const p of pairs) out.push((await lock.run(() => inner.score([p], opts)))[0]!);
      return out;
    },
  };
}
