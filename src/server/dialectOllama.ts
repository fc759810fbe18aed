// Ollama's OpenAI-compatible shapes: string prompts only, `n` ignored, logprobs ≤ 20 in the chat-style shape, no /tokenize.
import type { CompletionJob } from './completionRequest.js';
import { chatStyleLogprobs } from './dialectLlamacpp.js';
import { badRequest, type HttpError } from './httpError.js';
import type { PromptResult } from './runCompletion.js';

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
