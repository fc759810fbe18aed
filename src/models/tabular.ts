// A tabular test/demo world (not a real language model): five word tokens + EOS, responses of at most L
// tokens, π_base as explicit next-token tables per prefix, and rewards on whole sequences.
import type { TokenId } from '../core/model';
import { Rng, deriveSeed } from '../core/rng';

export interface TabularWorld {
  /** Token texts by id: the words, then EOS, then BOS. */
  readonly vocab: readonly string[];
  /** Number of word tokens (ids 0..words-1). */
  readonly words: number;
  readonly eosId: TokenId;
  /** Marks the start of a prompt for servers that refuse empty prompts; ignored by the tables. */
  readonly bosId: TokenId;
  /** Maximum sequence length L: at L tokens the only continuation is EOS. */
  readonly maxLength: number;
}

/** A token-level policy: probabilities over ids 0..eosId (words and EOS) after a word-id prefix. */
export type NextDist = (prefix: readonly TokenId[]) => Float64Array;
/** A reward on a complete word-id sequence. */
export type SequenceReward = (seq: readonly TokenId[]) => number;

export const TABULAR_WORDS = ['a', 'b', 'c', 'd', 'e'] as const;

export function tabularWorld(maxLength = 5): TabularWorld {
  if (maxLength < 1 || maxLength > 6) throw new RangeError('tabular maxLength must be 1..6');
  const words = TABULAR_WORDS.length;
  return { vocab: [...TABULAR_WORDS.map((w) => ' ' + w), '</s>', '<s>'], words, eosId: words, bosId: words + 1, maxLength };
}

export const prefixKey = (prefix: readonly TokenId[]) => prefix.join(',');

/** Every prefix of length 0..L−1 (the states where a word may still follow), shortest first. */
export function allPrefixes(world: TabularWorld): TokenId[][] {
  const out: TokenId[][] = [[]];
  for (let i = 0; i < out.length; i++) {
    if (out[i].length >= world.maxLength - 1) continue;
    for (let w = 0; w < world.words; w++) out.push([...out[i], w]);
  }
  return out;
}

/**
 * π_base as explicit tables: a seeded random next-token distribution per prefix, with EOS
 * growing likelier with length, and EOS only at length L.
 */
export function tabularBase(world: TabularWorld, seed = 1): NextDist {
  const table = new Map<string, Float64Array>();
  for (const prefix of allPrefixes(world)) {
    const rng = new Rng(deriveSeed(seed, 'tabular-base', prefixKey(prefix)));
    const logits = new Float64Array(world.eosId + 1);
    for (let w = 0; w < world.words; w++) logits[w] = 1.6 * gaussian(rng);
    logits[world.eosId] = -1.5 + 0.9 * prefix.length;
    table.set(prefixKey(prefix), normalise(logits.map(Math.exp)));
  }
  const eosOnly = new Float64Array(world.eosId + 1);
  eosOnly[world.eosId] = 1;
  // Past L, or after an EOS (a server asked for the next token after a finished sequence): EOS only.
  return (prefix) => (prefix.length >= world.maxLength ? eosOnly : (table.get(prefixKey(prefix)) ?? eosOnly));
}

/**
 * The target reward r: mostly decided by the last tokens (a sequence of ≥ 3 words that ends in
 * "e" scores +2), with a small immediate bonus per "a" and a length cost. A method that looks
 * only at the partial text (ARGS) sees the "a" bonus now but not the ending that pays later.
 */
export const tabularReward: SequenceReward = (seq) => {
  let r = -0.25 * seq.length;
  for (const t of seq) if (t === 0) r += 0.5;
  if (seq.length >= 3 && seq[seq.length - 1] === 4) r += 2;
  if (seq.length >= 4 && seq[0] === 1) r += 1;
  return r;
};

/**
 * A different reward r_BL (the baseline's alignment target in indirect-transfer tests): related to
 * r, as a real baseline's reward would be, but it pays less for the "e" ending and likes "c".
 * Close enough that importance weights exp(r/β − r_BL/β_BL) keep a useful effective sample size.
 */
export const tabularRewardBL: SequenceReward = (seq) => {
  let r = tabularReward(seq);
  for (const t of seq) if (t === 2) r += 0.6;
  if (seq.length >= 3 && seq[seq.length - 1] === 4) r -= 1;
  return r;
};

function normalise(ps: Float64Array): Float64Array {
  let s = 0;
  for (const p of ps) s += p;
  return ps.map((p) => p / s);
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Word ids of a text in the tabular vocabulary; other words are ignored when `lenient`, else an error. */
export function parseWords(world: TabularWorld, text: string, lenient: boolean): TokenId[] {
  const ids: TokenId[] = [];
  for (const w of text.split(/\s+/)) {
    if (!w) continue;
    const id = world.vocab.indexOf(' ' + w);
    if (id >= 0 && id < world.words) ids.push(id);
    else if (!lenient) throw new Error(`"${w}" is not a word of the tabular vocabulary (${TABULAR_WORDS.join(' ')})`);
  }
  return ids;
}
