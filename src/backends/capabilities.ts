// What a model server can do, per dialect: the capability report the decoder and `tqstar probe` rely on.
//
// Sources: vLLM, llama.cpp and Ollama as BACKENDS.md lists. SGLang read from sgl-project/sglang
// python/sglang/srt/entrypoints/openai/{serving_completions,utils,protocol,serving_tokenize}.py: completions
// logprobs carry token *texts* (return_text_in_logprobs=True; no "token_id:N", return_tokens_as_token_ids is
// ignored), top-k only, text_offset -1; max_tokens must be positive; /v1/tokenize and /v1/detokenize. So SGLang
// runs in text mode (re-tokenisation flagged) but can still score by echo. Hosted OpenAI: legacy completions
// reference (logprobs ≤ 5, token-id prompts, n, several prompts); no ids back, no tokenizer, no echo scoring.
// Not confirmed: SGLang's largest logprobs (20 assumed).
import type { Dialect } from '../config/schema';
import { usesTokenIds, type Capabilities } from './dialects/dialect';

export type { Capabilities, ConcreteDialect } from './dialects/dialect';
export { usesTokenIds } from './dialects/dialect';
export { DIALECT_CAPABILITIES } from './dialects/registry';

/**
 * vLLM's `logprob_token_ids` on /v1/completions (PR #43463, merged 2026-07; completion/protocol.py @002032e):
 * the raw log-probabilities of the listed ids at each generated position, beside the sampled token, so
 * one-token continuations of one prompt are scored by ONE generation request (O(k) bytes, prefix cache
 * read) instead of an echo (O(prompt) bytes each; prompt logprobs skip the prefix cache). At most 128 ids
 * (MAX_LOGPROB_TOKEN_IDS, sampling_params.py @00388f6). Older vLLM ignores the field: httpModel.ts detects that.
 */
export const VLLM_MAX_LOGPROB_TOKEN_IDS = 128;

/** How many ids one logprob_token_ids request may list on this server (0: no such field, or no ids back to key them by). */
export function logprobTokenIdsLimit(c: Capabilities): number {
  return c.dialect === 'vllm' && c.idsBack === 'token_id' && usesTokenIds(c) ? VLLM_MAX_LOGPROB_TOKEN_IDS : 0;
}

export interface CapabilityReport {
  role: string;
  url: string;
  model: string;
  /** The dialect configured, and (for auto) the one detected. */
  configured: Dialect;
  capabilities?: Capabilities;
  /** Model names the server lists on /v1/models (empty when it has no such endpoint). */
  models: string[];
  ok: boolean;
  /** Problems found (unreachable, model not listed, a capability the settings need but the server lacks). */
  problems: string[];
  notes: string[];
}
