// Ollama's OpenAI-compatible shapes: string prompts only, `n` ignored, logprobs ≤ 20 in the chat-style shape, no /tokenize.
import type { CompletionJob } from './completionRequest.js';
import { chatStyleLogprobs } from './dialectLlamacpp.js';
import { badRequest, type HttpError } from './httpError.js';
import type { PromptResult } from './runCompletion.js';

export function ollamaError(e: HttpError) {
  return { error: { message: e.message, type: e.status === 404 ? 'not_found_error' : e.status >= 500 ? 'api_error' : 'invalid_request_error', param: null, code: null } };
}

/** Runs before parsing: Ollama rejects anything but one string prompt. */
export function ollamaPrecheck(body: Record<string, unknown>) {
  if (typeof body.prompt !== 'string') throw badRequest("invalid type for 'prompt' field");
}

export function ollamaCheck(job: CompletionJob) {
  job.n = 1;
  job.echo = false;
  job.promptLogprobs = null;
  job.returnTokensAsIds = false;
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
