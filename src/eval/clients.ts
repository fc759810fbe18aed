// The eval's own HTTP clients: an OpenAI-shaped /v1/embeddings client (coherence) and a pairwise chat judge (win/tie/loss).
import { Endpoint } from '../backends/endpoint';
import { OpenAIRoutes } from '../backends/openaiRoutes';
import { TqError } from '../core/errors';

export interface Embedder {
  readonly label: string;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

export type Verdict = 'first' | 'second' | 'tie';

/** Compares two answers to one prompt, shown in the order given (the caller randomises it). */
export interface PairJudge {
  readonly label: string;
  compare(prompt: string, first: string, second: string, signal?: AbortSignal): Promise<Verdict>;
}

const endpoint = (role: string, url: string, setting: string, apiKey?: string) =>
  new Endpoint({ role, baseUrls: [url], apiKey, timeoutMs: 60_000, maxConcurrency: 8, settingPrefix: setting });

/** POST {base}/embeddings {model, input: [...]} → data[i].embedding (the OpenAI shape). */
export function httpEmbedder(baseUrl: string, model: string | undefined, apiKey?: string): Embedder {
  const ep = endpoint('embeddings', baseUrl, 'tqstar eval --embeddings', apiKey);
  const url = ep.urlOf({ v1: '/embeddings' });
  const routes = new OpenAIRoutes(ep);
  return {
    label: `${url}${model ? ` (${model})` : ''}`,
    async embed(texts, signal) {
      const body = (await routes.embeddings(texts, model, { signal })) as { data?: Array<{ index?: number; embedding?: unknown }> } | null;
      const data = body?.data;
      if (!Array.isArray(data) || data.length !== texts.length) throw new TqError('protocol', `${url}: expected ${texts.length} embeddings in "data"`, { url });
      const out: number[][] = new Array(texts.length);
      data.forEach((d, i) => {
        const e = d?.embedding;
        if (!Array.isArray(e) || !e.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new TqError('protocol', `${url}: data[${i}].embedding is not a list of numbers (base64 encoding is not asked for)`, { url });
        out[typeof d.index === 'number' ? d.index : i] = e as number[];
      });
      return out;
    },
  };
}

export const PAIR_INSTRUCTION =
  'Two responses continue the same prompt. Which one is better: more helpful, more polite and more fluent? Reply with "1", "2" or "tie" only.\n\nPrompt:\n{prompt}\n\nResponse 1:\n{first}\n\nResponse 2:\n{second}';

/** The judge's reply as a verdict: a leading 1 or 2, or the word tie; anything else is an error (never a silent tie). */
export function parseVerdict(reply: string): Verdict | undefined {
  const s = reply.trim().toLowerCase();
  if (/^(response\s*)?1\b/.test(s)) return 'first';
  if (/^(response\s*)?2\b/.test(s)) return 'second';
  if (/^tie\b/.test(s)) return 'tie';
  return undefined;
}

/** A chat model (the `judge` reward's endpoint: POST {base}/chat/completions) asked which of two answers is better, temperature 0. */
export function httpPairJudge(baseUrl: string, model: string, apiKey?: string, instruction = PAIR_INSTRUCTION): PairJudge {
  const ep = endpoint('judge', baseUrl, 'tqstar eval --judge-url', apiKey);
  const url = ep.urlOf({ v1: '/chat/completions' });
  const routes = new OpenAIRoutes(ep);
  return {
    label: `judge ${url} (${model})`,
    async compare(prompt, first, second, signal) {
      const content = instruction.replace(/\{(prompt|first|second)\}/g, (_m, k: 'prompt' | 'first' | 'second') => ({ prompt, first, second })[k]);
      const body = await routes.chat({ model, messages: [{ role: 'user', content }], temperature: 0, max_tokens: 8 }, { signal });
      const reply: unknown = body?.choices?.[0]?.message?.content;
      const v = typeof reply === 'string' ? parseVerdict(reply) : undefined;
      if (!v) throw new TqError('reward', `judge ${url}: expected "1", "2" or "tie", got ${JSON.stringify(String(reply).slice(0, 80))}`, { url });
      return v;
    },
  };
}
