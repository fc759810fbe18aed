// llama.cpp llama-server's shapes: chat-style logprobs with ids and bytes, a bare array for several prompts, /tokenize with pieces.
import type { CompletionJob } from './completionRequest.js';
import type { PositionLogprobs } from './generate.js';
import { badRequest, type HttpError } from './httpError.js';
import type { PromptResult } from './runCompletion.js';
import type { ServableModel } from './servable.js';

/** llama-server answers several `n` only up to its number of slots (default 4 with -np 4). */
export const LLAMACPP_SLOTS = 4;

export function llamacppError(e: HttpError) {
  const type = e.status === 404 ? 'not_found_error' : e.status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { code: e.status, message: e.message, type } };
}

/** llama-server refuses what it cannot do instead of ignoring it (echo), and has no prompt logprobs. */
export function llamacppCheck(job: CompletionJob, body: Record<string, unknown>) {
  if (job.echo) throw badRequest('Only no echo is supported');
  if (job.n > LLAMACPP_SLOTS) throw badRequest(`n must be at most the number of server slots (${LLAMACPP_SLOTS})`);
  if (body.prompt_logprobs !== undefined && body.prompt_logprobs !== null) job.promptLogprobs = null; // silently ignored, like any unknown field
}

export function chatStyleEntry(model: ServableModel, id: number, logprob: number, withId: boolean) {
  return { ...(withId ? { id } : {}), token: model.vocab[id]!, bytes: model.tokenBytes(id), logprob };
}

export function chatStyleLogprobs(model: ServableModel, positions: PositionLogprobs[], withId: boolean) {
  return {
    content: positions.map((p) => ({
      ...chatStyleEntry(model, p.id, p.logprob, withId),
      top_logprobs: p.top.map((t) => chatStyleEntry(model, t.id, t.logprob, withId)),
    })),
  };
}

export function llamacppCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  const one = (r: PromptResult, i: number) => {
    const completionTokens = r.samples.reduce((a, g) => a + g.ids.length, 0);
    return {
      choices: r.samples.map((g, s) => ({
        text: g.text,
        index: s,
        logprobs: job.gen.logprobs === null ? null : chatStyleLogprobs(job.model, g.positions, true),
        finish_reason: g.finish,
      })),
      created,
      model: job.model.name,
      system_fingerprint: 'b0000-tqstar-reference',
      object: 'text_completion',
      usage: { completion_tokens: completionTokens, prompt_tokens: r.promptIds.length, total_tokens: completionTokens + r.promptIds.length },
      id: `${id}-${i}`,
    };
  };
  return results.length === 1 ? one(results[0]!, 0) : results.map(one);
}
