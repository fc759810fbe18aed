// vLLM: /v1/completions with token ids end to end ("token_id:N" via return_tokens_as_token_ids), echo scoring,
// logprob_token_ids for one-token candidates (see HttpLanguageModel.score), /tokenize and /detokenize at the root.
//
// Neutral sampling (entrypoints/openai/completion/protocol.py to_sampling_params): top_k, min_p and repetition_penalty
// come from the checkpoint's generation_config.json when absent (Qwen2.5/Qwen3-Instruct: top_k 20, repetition_penalty
// 1.05); presence/frequency penalties default to 0 but are sent for symmetry. SGLang has the same fields and defaults.
import { completionsSession } from '../completionsRoute';
import type { ServerDialect } from './dialect';

export const VLLM_NEUTRAL = { top_p: 1, top_k: -1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };

export const vllm: ServerDialect = {
  name: 'vllm',
  caps: { dialect: 'vllm', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'echo', echoNeedsToken: false, tokenize: 'root', idsBack: 'token_id', logprobsShape: 'legacy' },
  neutral: VLLM_NEUTRAL,
  topKHint: 'restart vLLM with a larger --max-logprobs',
  open: completionsSession,
};
