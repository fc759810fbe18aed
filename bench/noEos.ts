// The bench's "EOS off" for long-answer rows, on the client side: EOS is never a candidate (the server side, wire.ts, never samples it).
import type { Completion, LanguageModel, SampledToken, TokenId, TokenLogprob } from '../src/core/model';

const without = (eos: TokenId | null, list: TokenLogprob[] | undefined) => (list && eos !== null ? list.filter((t) => t.id !== eos) : list);

/** Each sampled token's top-k read through lazily, minus EOS (the backend builds lists on first read; this keeps that). */
function token(eos: TokenId | null, t: SampledToken): SampledToken {
  return {
    id: t.id,
    text: t.text,
    logprob: t.logprob,
    get top() {
      return without(eos, t.top);
    },
  };
}

/**
 * A benchmark device, not a decoding feature: the word-level demo ends sentences within a dozen
 * words, and a 256-token answer needs a model that does not stop. Top-k lists lose EOS (so the
 * decoder never proposes it; the log-probabilities of the other tokens are unchanged); rollouts are
 * sampled with ignore_eos by the server front.
 */
export function noEos(m: LanguageModel): LanguageModel {
  return {
    label: m.label,
    get eosId() {
      return m.eosId;
    },
    warnings: m.warnings,
    get cheapTokenScoring() {
      return m.cheapTokenScoring;
    },
    nextTokens: async (prompts, k, opts) => (await m.nextTokens(prompts, k, opts)).map((l) => without(m.eosId, l)!),
    sample: async (req, opts) =>
      (await m.sample(req, opts)).map((perPrompt) => perPrompt.map((c): Completion => ({ ...c, tokens: c.tokens.map((t) => token(m.eosId, t)), ...(c.eosTop ? { eosTop: without(m.eosId, c.eosTop) } : {}) }))),
    score: async (req, opts) => (await m.score(req, opts)).map((r) => (r.next ? { ...r, next: without(m.eosId, r.next)! } : r)),
    encode: (text, opts) => m.encode(text, opts),
  };
}
