// Ollama: the native /api/generate with raw: true — its /v1/completions wraps every prompt in the model's chat template.
//
// Ollama v0.33.0-rc2 (../shared/SERVERS-AUDIT.md): openai/openai.go FromCompleteRequest builds an api.GenerateRequest
// without Raw, so server/routes.go GenerateHandler applies the model TEMPLATE (`if !req.Raw`): on a chat model each
// TQ* step would become a new user turn. /api/generate takes raw: true, the sampler in `options` (api/types.go
// Options: temperature, top_k, top_p, min_p, typical_p, repeat_penalty, presence/frequency_penalty, num_predict,
// seed, stop) and logprobs / top_logprobs (≤ 20, routes.go; v0.12.11, #12899); the answer is {response, done_reason,
// logprobs: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]} (api.Logprob; ollama-python #601).
// done_reason is "stop" or "length" for a finished generation (api/types.go DoneReason); anything else, or none,
// is refused. One prompt and one sample per request: Ollama has no `n` and no prompt lists; text prompts, token texts back.
import { TqError } from '../../core/errors';
import { parseCompletion } from '../parse';
import { arrayAt, describeValue, finishOf, objectAt, rejectErrorBody } from '../validate';
import type { ServerDialect } from './dialect';

const ROUTE = { root: '/api/generate' } as const;

/** The model's own distribution: every truncation and penalty of Ollama's Options off (top_k 0 disables it). */
const NEUTRAL_OPTIONS = { top_k: 0, top_p: 1, min_p: 0, typical_p: 1, repeat_penalty: 1, repeat_last_n: 0, presence_penalty: 0, frequency_penalty: 0 };

interface OllamaAsk {
  model: string;
  prompt: string;
  temperature: number;
  maxTokens: number;
  logprobs: number;
  seed?: number;
  stop?: string[];
}

function ollamaGenerateBody(a: OllamaAsk): Record<string, unknown> {
  return {
    model: a.model,
    prompt: a.prompt,
    raw: true,
    stream: false,
    logprobs: true,
    top_logprobs: a.logprobs,
    options: { ...NEUTRAL_OPTIONS, temperature: a.temperature, num_predict: a.maxTokens, ...(a.seed !== undefined ? { seed: a.seed } : {}), ...(a.stop?.length ? { stop: a.stop } : {}) },
  };
}

/** A native answer, checked, in the completions shape the parser reads (chat-style logprobs without ids). */
function asCompletion(body: unknown, url: string): { choices: unknown[] } {
  rejectErrorBody(body, url);
  const b = objectAt(body, url, 'the answer');
  if (typeof b.response !== 'string') throw new TqError('protocol', `${url}: "response" is ${describeValue(b.response)}, not a string`, { url });
  const finish = finishOf(b.done_reason, url, 'done_reason');
  if (finish === null) throw new TqError('protocol', `${url}: the answer has no "done_reason" (a finished generation says "stop" or "length")`, { url });
  // No logprobs (null or missing) read as null, not as an empty list.
  const logprobs = b.logprobs === undefined || b.logprobs === null ? null : { content: arrayAt(b.logprobs, url, '"logprobs"') };
  return { choices: [{ index: 0, text: b.response, logprobs, finish_reason: finish }] };
}

export const ollama: ServerDialect = {
  name: 'ollama',
  caps: { dialect: 'ollama', maxTopK: 20, tokenIdPrompts: false, multiPrompt: false, n: false, scoring: 'none', echoNeedsToken: false, tokenize: 'none', idsBack: 'none', logprobsShape: 'chat' },
  // Ollama's /v1/completions maps only temperature, top_p, seed, stop, presence/frequency penalty and max_tokens: the probe's fields.
  neutral: { top_p: 1, presence_penalty: 0, frequency_penalty: 0 },
  open(ctx) {
    return {
      route: ROUTE,
      async generate(ask, opts) {
        const b = ask.body;
        const url = ctx.ep.urlOf(ROUTE);
        const body = ollamaGenerateBody({
          model: ctx.cfg.model,
          prompt: String(ask.prompts[0]),
          temperature: b.temperature as number,
          maxTokens: b.max_tokens as number,
          logprobs: Math.max(1, Number(b.logprobs ?? 1)),
          ...(ask.seed !== undefined ? { seed: ask.seed } : {}),
          ...(Array.isArray(b.stop) ? { stop: b.stop as string[] } : {}),
        });
        return parseCompletion(asCompletion(await ctx.ep.request(ROUTE, body, opts ?? {}), url), ctx.caps, url, 1, ask.topPositions, { topK: ask.topK });
      },
    };
  },
};
