// Ollama's native /api/generate with raw: true — its /v1/completions wraps every prompt in the model's chat template.
//
// Ollama v0.33.0-rc2 (../shared/SERVERS-AUDIT.md): openai/openai.go FromCompleteRequest builds an api.GenerateRequest
// without Raw, so server/routes.go GenerateHandler applies the model TEMPLATE (`if !req.Raw`): on a chat model each
// TQ* step would become a new user turn. /api/generate takes raw: true, the sampler in `options` (api/types.go
// Options: temperature, top_k, top_p, min_p, typical_p, repeat_penalty, presence/frequency_penalty, num_predict,
// seed, stop) and logprobs / top_logprobs (≤ 20, routes.go; v0.12.11, #12899); the answer is {response, done_reason,
// logprobs: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]} (api.Logprob; ollama-python #601).
// One prompt and one sample per request: Ollama has no `n` and no prompt lists.
import type { Endpoint } from './endpoint';

/** The model's own distribution: every truncation and penalty of Ollama's Options off (top_k 0 disables it). */
const NEUTRAL_OPTIONS = { top_k: 0, top_p: 1, min_p: 0, typical_p: 1, repeat_penalty: 1, repeat_last_n: 0, presence_penalty: 0, frequency_penalty: 0 };

export interface OllamaAsk {
  model: string;
  prompt: string;
  temperature: number;
  maxTokens: number;
  logprobs: number;
  seed?: number;
  stop?: string[];
}

export function ollamaGenerateBody(a: OllamaAsk): Record<string, unknown> {
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

/** A native answer in the completions shape the parser reads (chat-style logprobs without ids). */
export function asCompletion(body: unknown): { choices: unknown[] } {
  const b = (body ?? {}) as { response?: unknown; done_reason?: unknown; logprobs?: unknown };
  return {
    choices: [{ index: 0, text: typeof b.response === 'string' ? b.response : '', logprobs: Array.isArray(b.logprobs) ? { content: b.logprobs } : null, finish_reason: b.done_reason === 'length' ? 'length' : 'stop' }],
  };
}

export async function ollamaGenerate(ep: Endpoint, a: OllamaAsk, opts: { signal?: AbortSignal; onRequest?: () => void }): Promise<{ choices: unknown[] }> {
  return asCompletion(await ep.request({ root: '/api/generate' }, ollamaGenerateBody(a), opts));
}
