// What each real server does that a naive client gets wrong: the reference server's realistic per-dialect defaults.
//
// On by default (ServerOptions.realistic), so that a client regression against a real server fails a test here.
// Each behaviour names the real source it reproduces (../shared/SERVERS-AUDIT.md has the full reading):
// - vLLM: sampling fields a request leaves out come from the checkpoint's generation_config.json
//   (entrypoints/openai/completion/protocol.py to_sampling_params with default_sampling_params; the values below
//   are Qwen2.5-7B-Instruct's generation_config.json); n > 1 at temperature 0 is refused
//   (sampling_params.py SamplingParams._verify_greedy_sampling); /pooling without a task picks token_classify for a
//   sequence-classification model and answers one row per token (entrypoints/pooling/pooling/serving.py).
// - SGLang: the same generation-config defaults (srt/server_args.py `sampling_defaults: str = "model"`).
// - llama.cpp llama-server at 80fb11ac: sampler defaults top_k 40, top_p 0.95, min_p 0.05, temperature 0.8
//   (common/common.h common_params_sampling); echo is accepted and ignored (server-schema.cpp reads "echo" into
//   chat_parser_params only: the answer holds the generated text and its logprobs, never the prompt's; checked on
//   the real binary). Older builds refused it with HTTP 500 (server-common.cpp oaicompat_completion_params_parse,
//   still in the source but no longer called at 80fb11ac: runtime_error → ex_wrapper's server error), which
//   ServerOptions.llamacppEcho 'refuse-500' reproduces; n (n_cmpl) is capped at the slot count with a 400 (server-schema.cpp hard limits); several prompts in
//   one OpenAI completion come back as ONE object whose choices are in task order, prompt-major
//   (server-context.cpp handle_completions_impl, server-queue.cpp post_tasks); GET /props reports slots, the EOS piece
//   and the sampler defaults (get_res_props).
import type { SamplerDefaults } from '../vllmApi/completionRequest.js';
import { badRequest, HttpError } from '../vllmApi/httpError.js';

export type RealDialect = 'vllm' | 'sglang' | 'llamacpp' | 'ollama' | 'openai';

/** Qwen2.5-7B-Instruct generation_config.json, which vLLM applies to any field a request omits. */
export const VLLM_GENERATION_CONFIG: SamplerDefaults = { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 };

/** llama.cpp common/common.h (80fb11ac). */
export const LLAMACPP_SAMPLER_DEFAULTS: SamplerDefaults = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05 };

/** llama-server's -np default when left on auto (server.cpp: "n_parallel is set to auto, using n_parallel = 4"). */
export const LLAMACPP_SLOTS = 4;

export function samplerDefaults(dialect: RealDialect, realistic: boolean): SamplerDefaults {
  if (!realistic) return {};
  // SGLang fills them from the model's generation config too (server_args.py: sampling_defaults = "model").
  if (dialect === 'vllm' || dialect === 'sglang') return VLLM_GENERATION_CONFIG;
  if (dialect === 'llamacpp') return LLAMACPP_SAMPLER_DEFAULTS;
  // Ollama's /v1/completions cannot set these: its model options apply (dialectOllama.ts OLLAMA_DEFAULTS).
  if (dialect === 'ollama') return { topK: 40, repetitionPenalty: 1.1 };
  return {};
}

/** vLLM's greedy check, after the defaults are applied (a request without temperature gets 0.7 here). */
export function vllmGreedyCheck(n: number, temperature: number) {
  if (temperature < 1e-5 && n > 1) throw badRequest(`n must be 1 when using greedy sampling, got ${n}.`, 'n');
}

/** llama-server throws a runtime_error for echo, which its exception wrapper answers as HTTP 500. */
export function llamacppEchoRefusal(): HttpError {
  return new HttpError(500, 'Only no echo is supported', 'server_error');
}

export function llamacppSlotsRefusal(n: number, slots: number): HttpError {
  return badRequest(`Field 'n': Value must be between 1 <= value <= ${slots}, but got ${n}`, 'n');
}

/** llama-server's GET /props, with the fields a client reads (the rest of the real object is left out). */
export function llamacppProps(opts: { slots: number; eosText: string; bosText: string; nCtx: number; defaults: SamplerDefaults; modelName: string }) {
  const d = opts.defaults;
  return {
    default_generation_settings: {
      params: {
        temperature: d.temperature ?? 1,
        top_k: d.topK ?? 0,
        top_p: d.topP ?? 1,
        min_p: d.minP ?? 0,
        typical_p: 1,
        xtc_probability: 0,
        dry_multiplier: 0,
        mirostat: 0,
        top_n_sigma: -1,
        repeat_penalty: d.repetitionPenalty ?? 1,
        presence_penalty: 0,
        frequency_penalty: 0,
      },
      n_ctx: opts.nCtx,
    },
    total_slots: opts.slots,
    model_alias: opts.modelName,
    bos_token: opts.bosText,
    eos_token: opts.eosText,
    build_info: 'b0000-tqstar-reference (demo/test backend)',
  };
}

/**
 * vLLM /pooling without "task" on a sequence-classification reward model: token_classify, one row per token.
 * Only the last row is the sequence's score (the classify head pools the last token); the rows before it stand
 * for the per-token outputs, which are not the reward.
 */
export function perTokenRows(score: number, tokens: number): number[][] {
  const n = Math.max(1, tokens);
  return Array.from({ length: n }, (_, i) => [i === n - 1 ? score : score * ((i + 1) / n) - 1]);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * llama-server parses every answer's text with its chat parser ("Content-only" for plain completions), which
 * fails on text that is not valid UTF-8 — a sampled lone byte-fallback token — and the whole request is answered
 * HTTP 500 (common/chat.cpp common_chat_parse, 80fb11ac; seen on the real binary). (At the very end of a text the
 * real server may instead hold the unfinished character back; the reference server always fails.)
 */
export function llamacppTextCheck(bytesOfSamples: number[][]): void {
  for (const b of bytesOfSamples) {
    try {
      UTF8.decode(Uint8Array.from(b));
    } catch {
      throw new HttpError(500, 'The model produced output that does not match the expected Content-only format', 'server_error');
    }
  }
}
