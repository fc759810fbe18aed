// What the vLLM-shaped API (the local engine and the reference server) needs from a model or reward to serve it: full next-token distributions and a tokenizer.
import type { TokenId } from '../core/model.js';

/** A token-level model held in process, with its whole next-token distribution available. */
export interface ServableModel {
  readonly name: string;
  /** Token texts by id; the EOS entry is the text shown in logprobs (never in completion text). */
  readonly vocab: readonly string[];
  readonly eosId: TokenId;
  /** A BOS token that encode() puts first, dropped from /tokenize when add_special_tokens is false. */
  readonly bosId?: TokenId;
  readonly maxModelLen: number;
  /** Deterministic: decode(encode(text)) === text. */
  encode(text: string): TokenId[];
  /** Text of ids, EOS skipped (like skip_special_tokens). */
  decode(ids: readonly TokenId[]): string;
  /** UTF-8 bytes of one token (byte-fallback tokens are single raw bytes). */
  tokenBytes(id: TokenId): number[];
  /** log-probabilities over the whole vocabulary after `prefix` (length vocab.length, -Infinity allowed). */
  nextLogprobs(prefix: readonly TokenId[]): Float64Array;
}

/** A scalar reward model served on /pooling and /classify. */
export interface ServableReward {
  readonly name: string;
  /** Token count of an input, used by the latency model's prefill accounting. */
  countTokens(text: string): number;
  score(text: string): number;
}
