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

export type ConcreteDialect = Exclude<Dialect, 'auto'>;

export interface Capabilities {
  dialect: ConcreteDialect;
  /** Largest top-k of next-token log-probabilities the server returns. */
  maxTopK: number;
  /** Accepts `prompt: number[] | number[][]`. */
  tokenIdPrompts: boolean;
  /** Accepts several prompts in one request. */
  multiPrompt: boolean;
  /** Honours `n` samples per prompt (llama.cpp: up to its slot count, read from /props at run time). */
  n: boolean;
  /** How a given text is scored: echo + logprobs, vLLM's prompt_logprobs, SGLang's /generate input logprobs, or not at all. */
  scoring: 'echo' | 'prompt_logprobs' | 'generate' | 'none';
  /** SGLang: echo needs max_tokens > 0. */
  echoNeedsToken: boolean;
  /** Where text is tokenised. */
  tokenize: 'root' | 'v1' | 'llamacpp' | 'none';
  /** How token ids come back in logprobs ('generate': SGLang's native /generate, sglangNative.ts). */
  idsBack: 'token_id' | 'llamacpp' | 'generate' | 'none';
  /** Shape of `choices[].logprobs`. */
  logprobsShape: 'legacy' | 'llamacpp' | 'chat';
}

/** What each server is documented to do (BACKENDS.md); `auto` replaces these with what it measured. */
export const DIALECT_CAPABILITIES: Record<ConcreteDialect, Capabilities> = {
  vllm: { dialect: 'vllm', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'echo', echoNeedsToken: false, tokenize: 'root', idsBack: 'token_id', logprobsShape: 'legacy' },
  sglang: { dialect: 'sglang', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'echo', echoNeedsToken: true, tokenize: 'v1', idsBack: 'none', logprobsShape: 'legacy' },
  llamacpp: { dialect: 'llamacpp', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'none', echoNeedsToken: false, tokenize: 'llamacpp', idsBack: 'llamacpp', logprobsShape: 'llamacpp' },
  ollama: { dialect: 'ollama', maxTopK: 20, tokenIdPrompts: false, multiPrompt: false, n: false, scoring: 'none', echoNeedsToken: false, tokenize: 'none', idsBack: 'none', logprobsShape: 'chat' },
  openai: { dialect: 'openai', maxTopK: 5, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'none', echoNeedsToken: false, tokenize: 'none', idsBack: 'none', logprobsShape: 'legacy' },
};

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

/** Token ids end to end need ids in prompts, ids back and a tokenizer; otherwise the model works on strings. */
export function usesTokenIds(c: Capabilities): boolean {
  return c.tokenIdPrompts && c.idsBack !== 'none' && c.tokenize !== 'none';
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
