// The word-level demo pair: "demo-base" (trigram on the corpus) and "demo-aligned" (trigram on the reward-tilted corpus).
import { DEMO_CORPUS } from './corpus/demoCorpus.js';
import { TrigramModel } from './wordDemoNgram.js';
import { demoSentiment } from './wordDemoReward.js';
import { WordTokenizer } from './wordDemoTokenizer.js';

export { demoSentiment } from './wordDemoReward.js';

/** β of the tilt: sentence weights exp(r/β). Small enough that the aligned model visibly prefers kind text. */
export const DEMO_ALIGN_BETA = 0.5;

export interface WordDemoModel {
  readonly name: string;
  readonly vocab: readonly string[];
  readonly eosId: number;
  readonly maxModelLen: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenBytes(id: number): number[];
  nextLogprobs(prefix: readonly number[]): Float64Array;
}

function wrap(name: string, tok: WordTokenizer, lm: TrigramModel): WordDemoModel {
  return {
    name,
    vocab: tok.vocab,
    eosId: tok.eosId,
    maxModelLen: 2048,
    encode: (t) => tok.encode(t),
    decode: (ids) => tok.decode(ids),
    tokenBytes: (id) => tok.tokenBytes(id),
    nextLogprobs: (p) => lm.nextLogprobs(p),
  };
}

/**
 * Both models share one tokenizer (same ids). The aligned model is the KL-regularised optimum
 * ρ*(y) ∝ π(y)·exp(r(y)/β) taken over the corpus — every sentence re-weighted by exp(r/β) — and
 * then fitted by the same trigram estimator, the way a DPO model approximates ρ* from data.
 */
export function buildWordDemo(corpus: readonly string[] = DEMO_CORPUS) {
  const tokenizer = new WordTokenizer(corpus);
  const base = new TrigramModel(tokenizer, corpus);
  const weights = corpus.map((s) => Math.exp(demoSentiment(s) / DEMO_ALIGN_BETA));
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
  // Normalised to mean 1 so both models see the same total count and the same smoothing strength.
  const aligned = new TrigramModel(tokenizer, corpus, weights.map((w) => w / mean));
  return {
    tokenizer,
    base: wrap('demo-base', tokenizer, base),
    aligned: wrap('demo-aligned', tokenizer, aligned),
    reward: { name: 'demo-sentiment', countTokens: (t: string) => tokenizer.encode(t).length, score: demoSentiment },
  };
}
