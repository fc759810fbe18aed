// Neutral sampling per dialect: the request fields that make a server draw from the model's own distribution.
//
// A server fills every sampling field a request leaves out with its own default, and several defaults
// truncate or penalise (../shared/SERVERS-AUDIT.md):
// - vLLM (entrypoints/openai/completion/protocol.py to_sampling_params): top_k, min_p and repetition_penalty
//   come from the checkpoint's generation_config.json when absent (Qwen2.5/Qwen3-Instruct: top_k 20,
//   repetition_penalty 1.05); presence/frequency penalties default to 0 but are sent for symmetry.
// - SGLang (entrypoints/openai/protocol.py CompletionRequest): the same extra fields (top_k, min_p,
//   repetition_penalty), and the same generation-config defaults (srt/server_args.py sampling_defaults "model").
// - llama.cpp llama-server at 80fb11ac (common/common.h common_params_sampling): top_k 40, top_p 0.95,
//   min_p 0.05; DRY, XTC, mirostat, typical-p, top-n-sigma, dynamic temperature, adaptive-p and the repeat
//   penalty are off by default but a server started with e.g. --dry-multiplier turns them on for every request
//   (tools/server/server-schema.cpp reads each one from the request first), so each is sent neutral.
// - hosted OpenAI: only top_p is a sampling field of legacy completions (openai-node completions.ts); unknown
//   fields are refused, so nothing else is sent.
// - Ollama's /v1/completions (openai/openai.go FromCompleteRequest, v0.33.0-rc2) maps only temperature, top_p,
//   seed, stop, presence/frequency penalty and max_tokens, and applies the chat template: the client uses the
//   native /api/generate instead, with neutral `options` (ollamaNative.ts); these fields only serve the probe.
// Logprobs stay the raw model log-probabilities on every one of these servers, so any truncation left on
// makes the rollouts disagree with the log-probabilities the estimator weighs them by.
import type { ConcreteDialect } from './capabilities';

const VLLM_LIKE = { top_p: 1, top_k: -1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };

const LLAMACPP = {
  top_p: 1,
  top_k: 0,
  min_p: 0,
  typical_p: 1,
  top_n_sigma: -1,
  xtc_probability: 0,
  dry_multiplier: 0,
  mirostat: 0,
  dynatemp_range: 0,
  adaptive_target: -1,
  repeat_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
};

const NEUTRAL: Record<ConcreteDialect, Readonly<Record<string, number>>> = {
  vllm: VLLM_LIKE,
  sglang: VLLM_LIKE,
  llamacpp: LLAMACPP,
  ollama: { top_p: 1, presence_penalty: 0, frequency_penalty: 0 },
  openai: { top_p: 1 },
};

/** Fields to put on every completion request of this dialect (they also leave greedy and logprob requests unchanged). */
export function neutralSampling(dialect: ConcreteDialect): Record<string, number> {
  return { ...NEUTRAL[dialect] };
}

/**
 * vLLM refuses n > 1 at temperature 0 ("n must be 1 when using greedy sampling", SamplingParams._verify_greedy_sampling);
 * greedy decoding gives the same sample every time, so one sample is asked for and repeated.
 */
export function greedyCopies(temperature: number, n: number): { nAsked: number; copies: number } {
  return temperature === 0 && n > 1 ? { nAsked: 1, copies: n } : { nAsked: n, copies: 1 };
}
