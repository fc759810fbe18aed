// llama.cpp llama-server's shapes: chat-style logprobs with ids and bytes, a bare array for several prompts, /tokenize with pieces.
import type { CompletionJob } from '../vllmApi/completionRequest.js';
import type { PositionLogprobs } from '../vllmApi/generate.js';
import { badRequest, type HttpError } from '../vllmApi/httpError.js';
import type { PromptResult } from '../vllmApi/runCompletion.js';
import { llamacppSlotsRefusal } from './realism.js';
import type { ServableModel } from '../vllmApi/servable.js';

export function llamacppError(e: HttpError) {
  const type = e.status === 404 ? 'not_found_error' : e.status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { code: e.status, message: e.message, type } };
}

/** llama-server refuses what it cannot do instead of ignoring it (echo), and has no prompt logprobs. */
export function llamacppCheck(job: CompletionJob, body: Record<string, unknown>, slots: number, realistic: boolean) {
  // Realistic mode refuses echo before parsing, with llama-server's 500 (realism.ts); this is the older 400.
  if (job.echo) throw badRequest('Only no echo is supported');
  if (job.n > slots) throw realistic ? llamacppSlotsRefusal(job.n, slots) : badRequest(`n must be at most the number of server slots (${slots})`);
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

/**
 * llama-server at 80fb11ac: every prompt and every extra sample is a task, and the OpenAI completion answer is
 * ONE object whose choices are the tasks in order, prompt-major (index = prompt·n + sample), not a bare array
 * (server-context.cpp handle_completions_impl; older builds sent the array that llamacppCompletion renders).
 */
export function llamacppMergedCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  const first = llamacppCompletion(job, results.slice(0, 1), id, created) as ReturnType<typeof llamacppCompletion> & { choices: Array<{ index: number }>; usage: { completion_tokens: number; prompt_tokens: number; total_tokens: number } };
  const rest = results.slice(1).map((r) => llamacppCompletion(job, [r], id, created) as typeof first);
  const choices = [first, ...rest].flatMap((o, p) => o.choices.map((c) => ({ ...c, index: p * job.n + c.index })));
  const sum = (k: 'completion_tokens' | 'prompt_tokens' | 'total_tokens') => [first, ...rest].reduce((a, o) => a + o.usage[k], 0);
  return { ...first, choices, usage: { completion_tokens: sum('completion_tokens'), prompt_tokens: sum('prompt_tokens'), total_tokens: sum('total_tokens') } };
}
