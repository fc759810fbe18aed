// The hosted OpenAI legacy /v1/completions shape: logprobs ≤ 5 keyed by token text, no ids, no scoring, no tokenizer, strict about fields.
//
// From the OpenAI API reference for legacy completions (openai/openai-openapi, CreateCompletionRequest, as
// mirrored by generated clients): prompt string | string[] | int[] | int[][]; `n`; `echo`; "The maximum value
// for logprobs is 5" and "there may be up to logprobs+1 elements" (the sampled token is added); logprobs are
// {tokens, token_logprobs, top_logprobs: [{text: logprob}], text_offset}; finish_reason "stop" | "length" with
// no stop_reason; errors are {error: {message, type, param, code}}; no /tokenize or /detokenize.
// Not confirmed from a primary source (our best reading of observed behaviour): that echo together with logprobs
// is refused on current models (so no prompt scoring), the exact 400 texts below, and that vLLM-only fields
// (return_tokens_as_token_ids, prompt_logprobs, top_k, ignore_eos) are refused as unrecognized arguments.
import type { CompletionJob } from '../vllmApi/completionRequest.js';
import { vllmCompletion } from '../vllmApi/dialectVllm.js';
import { badRequest, type HttpError } from '../vllmApi/httpError.js';
import type { PromptResult } from '../vllmApi/runCompletion.js';

export const OPENAI_MAX_LOGPROBS = 5;
const UNRECOGNIZED = ['return_tokens_as_token_ids', 'prompt_logprobs', 'top_k', 'ignore_eos', 'return_token_ids', 'min_p'];

export function openaiError(e: HttpError) {
  const type = e.status === 404 ? 'invalid_request_error' : e.status === 429 ? 'rate_limit_exceeded' : e.status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: e.message, type, param: e.param, code: null } };
}

export function openaiPrecheck(body: Record<string, unknown>) {
  for (const key of UNRECOGNIZED) if (key in body) throw badRequest(`Unrecognized request argument supplied: ${key}`, key);
  const k = body.logprobs;
  if (typeof k === 'number' && k > OPENAI_MAX_LOGPROBS) throw badRequest(`Invalid value for 'logprobs': the maximum value is ${OPENAI_MAX_LOGPROBS}, got ${k}.`, 'logprobs');
  if (body.echo === true && k !== undefined && k !== null) throw badRequest("Setting 'echo' and 'logprobs' at the same time is not supported for this model.", 'echo');
}

export function openaiCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  const body = vllmCompletion(job, results, id, created);
  return {
    ...body,
    system_fingerprint: null,
    choices: body.choices.map(({ stop_reason: _s, prompt_logprobs: _p, ...c }) => c),
    usage: { prompt_tokens: body.usage.prompt_tokens, completion_tokens: body.usage.completion_tokens, total_tokens: body.usage.total_tokens },
  };
}
