// The naive schedule a straight port of the authors' code would use (the benchmark's reference row):
// one request per prompt, item or reward pair, one request at a time.
import type { DecodeEnv } from './context';
import type { LanguageModel, RewardSource } from './model';
import { deriveSeed } from './rng';

/** Runs calls strictly one after another, even when the decoder issues them together. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const next = this.tail.then(f, f);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

async function each<T, R>(xs: readonly T[], serial: Serial, f: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i++) out.push(await serial.run(() => f(xs[i], i)));
  return out;
}

function naiveModel(m: LanguageModel, serial: Serial): LanguageModel {
  return {
    label: m.label,
    eosId: m.eosId,
    warnings: m.warnings,
    nextTokens: (prompts, k, opts) => each(prompts, serial, async (p) => (await m.nextTokens([p], k, opts))[0]),
    sample: (req, opts) =>
      each(req.prompts, serial, async (p, i) => (await m.sample({ ...req, prompts: [p], ...(req.seed !== undefined ? { seed: deriveSeed(req.seed, i) } : {}) }, opts))[0]),
    score: (req, opts) => each(req.items, serial, async (item) => (await m.score({ ...req, items: [item] }, opts))[0]),
    encode: (text, opts) => serial.run(() => m.encode(text, opts)),
  };
}

function naiveReward(r: RewardSource, serial: Serial): RewardSource {
  return { label: r.label, score: (pairs, opts) => each(pairs, serial, async (pair) => (await r.score([pair], opts))[0]) };
}

/** The same environment, with every batched call split into single requests issued one at a time. */
export function naiveEnv(env: DecodeEnv): DecodeEnv {
  const serial = new Serial();
  return {
    base: naiveModel(env.base, serial),
    baseline: naiveModel(env.baseline, serial),
    reward: naiveReward(env.reward, serial),
    ...(env.baselineReward ? { baselineReward: naiveReward(env.baselineReward, serial) } : {}),
    ...(env.valueOracle ? { valueOracle: env.valueOracle } : {}),
  };
}
