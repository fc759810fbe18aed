// Validates a /v1/completions body into one job: prompts as token ids plus sampling and logprob options.
import type { GenParams } from './generate.js';
import { badRequest, HttpError } from './httpError.js';
import type { ServableModel } from './servable.js';

export interface CompletionJob {
  model: ServableModel;
  prompts: number[][];
  /** True when the caller sent token ids (not text). */
  idPrompts: boolean;
  n: number;
  echo: boolean;
  promptLogprobs: number | null;
  returnTokensAsIds: boolean;
  gen: GenParams;
}

export const MAX_LOGPROBS = 20;

/** What a server uses for a sampling field the request leaves out (its own defaults, or the model's generation config). */
export interface SamplerDefaults {
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

function num(body: Record<string, unknown>, key: string, dflt: number, check: (x: number) => boolean, rule: string): number {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw badRequest(`${key} ${rule}, got ${JSON.stringify(v)}.`, key);
  return v;
}

function optInt(body: Record<string, unknown>, key: string): number | null {
  const v = body[key];
  if (v === undefined || v === null || v === false) return null;
  if (v === true) return 1;
  if (!isInt(v) || v < 0) throw badRequest(`${key} must be a non-negative integer, got ${JSON.stringify(v)}.`, key);
  return v;
}

export function resolveModel(models: Map<string, ServableModel>, name: unknown): ServableModel {
  if (name === undefined || name === null) return models.values().next().value!;
  const m = typeof name === 'string' ? models.get(name) : undefined;
  if (!m) throw new HttpError(404, `The model \`${String(name)}\` does not exist.`, 'NotFoundError', 'model');
  return m;
}

export function parsePrompts(model: ServableModel, prompt: unknown): { prompts: number[][]; ids: boolean } {
  const checkIds = (ids: unknown[]): number[] =>
    ids.map((t) => {
      if (!isInt(t) || t < 0 || t >= model.vocab.length) throw badRequest(`Token id ${JSON.stringify(t)} is out of vocabulary (size ${model.vocab.length}).`, 'prompt');
      return t;
    });
  if (typeof prompt === 'string') return { prompts: [model.encode(prompt)], ids: false };
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === 'string')) return { prompts: prompt.map((p) => model.encode(p as string)), ids: false };
    if (prompt.every((p) => typeof p === 'number')) return { prompts: [checkIds(prompt)], ids: true };
    if (prompt.every((p) => Array.isArray(p) && p.length > 0)) return { prompts: prompt.map((p) => checkIds(p as unknown[])), ids: true };
  }
  throw badRequest('prompt must be a string, an array of strings, an array of token ids, or an array of token-id arrays (none empty).', 'prompt');
}

export function parseCompletion(models: Map<string, ServableModel>, body: Record<string, unknown>, defaults: SamplerDefaults = {}): CompletionJob {
  const model = resolveModel(models, body.model);
  const { prompts, ids } = parsePrompts(model, body.prompt);
  if (body.stream === true) throw badRequest('stream is not supported by the reference server.', 'stream');
  const echo = body.echo === true;
  // vLLM: absent → 16; explicit null → whatever room the context leaves.
  const room = model.maxModelLen - Math.max(...prompts.map((p) => p.length));
  const maxTokens = body.max_tokens === null ? Math.max(1, room) : num(body, 'max_tokens', 16, (x) => isInt(x) && x >= 0, 'must be a non-negative integer');
  // vLLM accepts max_tokens 0 only with echo (then it only scores the prompt).
  if (maxTokens === 0 && !echo) throw badRequest('max_tokens must be at least 1, got 0.', 'max_tokens');
  const n = num(body, 'n', 1, (x) => isInt(x) && x >= 1 && x <= 256, 'must be an integer in [1, 256]');
  const logprobs = optInt(body, 'logprobs');
  const promptLogprobs = optInt(body, 'prompt_logprobs');
  for (const [key, v] of [['logprobs', logprobs], ['prompt_logprobs', promptLogprobs]] as const)
    if (v !== null && v > MAX_LOGPROBS) throw badRequest(`Requested ${key === 'logprobs' ? 'sample' : 'prompt'} logprobs of ${v}, which is greater than max allowed: ${MAX_LOGPROBS}`, key);
  const stopRaw = body.stop;
  const stop = stopRaw === undefined || stopRaw === null ? [] : typeof stopRaw === 'string' ? [stopRaw] : stopRaw;
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) throw badRequest('stop must be a string or an array of strings.', 'stop');
  const seed = body.seed === undefined || body.seed === null ? undefined : num(body, 'seed', 0, isInt, 'must be an integer');
  for (const p of prompts)
    if (p.length + (echo && maxTokens === 0 ? 0 : maxTokens) > model.maxModelLen)
      throw badRequest(`This model's maximum context length is ${model.maxModelLen} tokens. However, you requested ${p.length + maxTokens} tokens (${p.length} in the messages, ${maxTokens} in the completion).`, 'max_tokens');
  return {
    model,
    prompts,
    idPrompts: ids,
    n,
    echo,
    promptLogprobs,
    returnTokensAsIds: body.return_tokens_as_token_ids === true,
    gen: {
      maxTokens,
      temperature: num(body, 'temperature', defaults.temperature ?? 1, (x) => x >= 0, 'must be non-negative'),
      topP: num(body, 'top_p', defaults.topP ?? 1, (x) => x > 0 && x <= 1, 'must be in (0, 1]'),
      topK: num(body, 'top_k', defaults.topK ?? 0, (x) => isInt(x) && x >= -1, 'must be -1 (disable) or at least 1'),
      minP: num(body, 'min_p', defaults.minP ?? 0, (x) => x >= 0 && x <= 1, 'must be in [0, 1]'),
      // vLLM and SGLang name it repetition_penalty, llama.cpp repeat_penalty.
      repetitionPenalty: num(body, body.repeat_penalty !== undefined ? 'repeat_penalty' : 'repetition_penalty', defaults.repetitionPenalty ?? 1, (x) => x > 0, 'must be positive'),
      stop: stop as string[],
      ...(seed !== undefined ? { seed } : {}),
      logprobs,
      ignoreEos: body.ignore_eos === true,
    },
  };
}
