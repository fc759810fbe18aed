// A weighted trigram model over the demo tokenizer, interpolated Witten-Bell smoothing down to a floored unigram.
import type { WordTokenizer } from './wordDemoTokenizer.js';

const BOS = -1;

type Followers = Map<number, number>;
interface Context {
  total: number;
  followers: Followers;
}

function add(table: Map<string, Context>, key: string, next: number, w: number) {
  let c = table.get(key);
  if (!c) table.set(key, (c = { total: 0, followers: new Map() }));
  c.total += w;
  c.followers.set(next, (c.followers.get(next) ?? 0) + w);
}

/**
 * Trains on sentences (each ends with EOS) with a weight per sentence; weight 1 everywhere is the
 * plain maximum-likelihood trigram. Witten-Bell gives a context with many distinct followers more
 * weight on the lower order, so unseen words keep a small, non-zero probability.
 */
export class TrigramModel {
  private readonly bigram = new Map<string, Context>();
  private readonly trigram = new Map<string, Context>();
  private readonly unigram: Float64Array;
  private readonly cache = new Map<string, Float64Array>();

  constructor(
    readonly tokenizer: WordTokenizer,
    sentences: readonly string[],
    weights: readonly number[] = sentences.map(() => 1),
    /** Pseudo-count of every vocabulary entry in the unigram, so byte and character tokens stay possible. */
    floor = 0.02,
  ) {
    const V = tokenizer.vocab.length;
    // Byte tokens get a far smaller floor: they keep any text possible, but a sampled lone byte
    // (a control character, or "\uFFFD" above 0x7F) should be as rare as in a real model's output.
    const uni = new Float64Array(V).map((_, id) => (tokenizer.isByte(id) ? floor * 1e-4 : floor));
    sentences.forEach((s, i) => {
      const w = weights[i]!;
      const ids = [...tokenizer.encode(s), tokenizer.eosId];
      let a = BOS;
      let b = BOS;
      for (const t of ids) {
        uni[t] = uni[t]! + w;
        add(this.bigram, `${b}`, t, w);
        add(this.trigram, `${a},${b}`, t, w);
        a = b;
        b = t;
      }
    });
    const total = uni.reduce((s, x) => s + x, 0);
    this.unigram = uni.map((x) => x / total);
  }

  /** Interpolates a context's counts with a lower-order distribution (in place on a copy). */
  private static wittenBell(ctx: Context | undefined, lower: Float64Array): Float64Array {
    if (!ctx) return lower;
    const types = ctx.followers.size;
    const lambda = types / (ctx.total + types);
    const p = lower.map((x) => lambda * x);
    for (const [t, c] of ctx.followers) p[t] = p[t]! + c / (ctx.total + types);
    return p;
  }

  /** log p(next | last two tokens of prefix); prefixes shorter than two are padded with a sentence start. */
  nextLogprobs(prefix: readonly number[]): Float64Array {
    const b = prefix.length >= 1 ? prefix[prefix.length - 1]! : BOS;
    const a = prefix.length >= 2 ? prefix[prefix.length - 2]! : BOS;
    const key = `${a},${b}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p2 = TrigramModel.wittenBell(this.bigram.get(`${b}`), this.unigram);
    const p3 = TrigramModel.wittenBell(this.trigram.get(key), p2);
    const lp = p3.map(Math.log);
    // Bounded: each entry is a vocabulary-sized array (~6 kB for the demo vocabulary).
    if (this.cache.size > 4_000) this.cache.clear();
    this.cache.set(key, lp);
    return lp;
  }
}
