// Ollama's shapes: /v1/completions (string prompts only, `n` ignored, logprobs ≤ 20 in the chat-style shape, no /tokenize)
// and the native /api/generate (raw, options, logprobs/top_logprobs; one prompt, one sample).
import type { CompletionJob } from '../vllmApi/completionRequest.js';
import { chatStyleLogprobs } from './dialectLlamacpp.js';
import { badRequest, type HttpError } from '../vllmApi/httpError.js';
import type { PromptResult } from '../vllmApi/runCompletion.js';

export function ollamaError(e: HttpError) {
  return { error: { message: e.message, type: e.status === 404 ? 'not_found_error' : e.status >= 500 ? 'api_error' : 'invalid_request_error', param: null, code: null } };
}

/** Runs before parsing: Ollama's request struct types prompt as a string, so Go's JSON decoding rejects anything else. */
export function ollamaPrecheck(body: Record<string, unknown>) {
  if (typeof body.prompt !== 'string') {
    const got = Array.isArray(body.prompt) ? 'array' : body.prompt === undefined ? 'null' : typeof body.prompt;
    throw badRequest(`json: cannot unmarshal ${got} into Go struct field CompletionRequest.prompt of type string`);
  }
  const k = body.logprobs;
  if (typeof k === 'number' && (k < 0 || k > 20)) throw badRequest('top_logprobs must be between 0 and 20');
}

export function ollamaCheck(job: CompletionJob) {
  job.n = 1;
  job.echo = false;
  job.promptLogprobs = null;
  job.returnTokensAsIds = false;
  // Ollama turns logprobs on only for a count above zero.
  if (job.gen.logprobs === 0) job.gen.logprobs = null;
}

export function ollamaCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  const r = results[0]!;
  const g = r.samples[0]!;
  return {
    id,
    object: 'text_completion',
    created,
    model: job.model.name,
    system_fingerprint: 'fp_ollama',
    choices: [{ text: g.text, index: 0, finish_reason: g.finish, ...(job.gen.logprobs === null ? {} : { logprobs: chatStyleLogprobs(job.model, g.positions, false) }) }],
    usage: { prompt_tokens: r.promptIds.length, completion_tokens: g.ids.length, total_tokens: r.promptIds.length + g.ids.length },
  };
}

/**
 * What Ollama does to a prompt without raw: true — it renders the model's TEMPLATE around it as a user turn
 * (server/routes.go GenerateHandler `if !req.Raw`; /v1/completions never sets Raw, openai/openai.go). A Mistral-style
 * template stands in for the model's own.
 */
export function ollamaTemplate(prompt: string): string {
  return `[INST] ${prompt} [/INST]`;
}

/**
 * Ollama's sampler defaults when `options` leave a field out (api/types.go DefaultOptions as its Modelfile
 * reference documents them: temperature 0.8, top_k 40, top_p 0.9, min_p 0, repeat_penalty 1.1; not re-read
 * against the v0.33 source). Realistic mode only.
 */
export const OLLAMA_DEFAULTS = { temperature: 0.8, top_k: 40, top_p: 0.9, min_p: 0, repeat_penalty: 1.1 };

/** /api/generate's request as the OpenAI-style body the reference server runs (one prompt, n = 1). */
export function ollamaGenerateAsCompletion(body: Record<string, unknown>, realistic: boolean): Record<string, unknown> {
  if (typeof body.prompt !== 'string') throw badRequest('prompt is required');
  if (body.stream !== false) throw badRequest('stream is not supported by the reference server: send "stream": false');
  const o = (body.options && typeof body.options === 'object' ? body.options : {}) as Record<string, unknown>;
  const d = realistic ? OLLAMA_DEFAULTS : { temperature: 1, top_k: 0, top_p: 1, min_p: 0, repeat_penalty: 1 };
  const k = body.top_logprobs;
  if (typeof k === 'number' && (k < 0 || k > 20)) throw badRequest('top_logprobs must be between 0 and 20');
  const numPredict = typeof o.num_predict === 'number' && o.num_predict >= 0 ? o.num_predict : 128;
  return {
    model: body.model,
    prompt: body.raw === true || !realistic ? body.prompt : ollamaTemplate(body.prompt),
    max_tokens: numPredict,
    temperature: o.temperature ?? d.temperature,
    top_k: o.top_k ?? d.top_k,
    top_p: o.top_p ?? d.top_p,
    min_p: o.min_p ?? d.min_p,
    repetition_penalty: o.repeat_penalty ?? d.repeat_penalty,
    ...(typeof o.seed === 'number' ? { seed: o.seed } : {}),
    ...(o.stop !== undefined ? { stop: o.stop } : {}),
    logprobs: body.logprobs === true ? (typeof k === 'number' ? k : 0) : null,
  };
}

export function ollamaGenerateAnswer(job: CompletionJob, results: PromptResult[]) {
  const g = results[0]!.samples[0]!;
  const entry = (id: number, logprob: number) => ({ token: job.model.vocab[id]!, logprob, bytes: job.model.tokenBytes(id) });
  return {
    model: job.model.name,
    created_at: new Date().toISOString(),
    response: g.text,
    done: true,
    done_reason: g.finish === 'length' ? 'length' : 'stop',
    ...(job.gen.logprobs === null ? {} : { logprobs: g.positions.map((p) => ({ ...entry(p.id, p.logprob), top_logprobs: p.top.map((t) => entry(t.id, t.logprob)) })) }),
    prompt_eval_count: results[0]!.promptIds.length,
    eval_count: g.ids.length,
  };
}
