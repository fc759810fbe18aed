// Capability probing: what a model server really does (`auto` dialect, `tqstar probe`, Test Connections).
import type { DecodingParams, ModelEndpoint } from '../config/schema';
import { TqError } from '../core/errors';
import type { CallOptions } from '../core/model';
import { DIALECT_CAPABILITIES, type Capabilities, type CapabilityReport, type ConcreteDialect } from './capabilities';
import { DIALECT_MODULES } from './dialects/registry';
import type { Endpoint } from './endpoint';
import { OpenAIRoutes } from './openaiRoutes';
import { isSampledTokenFailure } from './retry';

const PROBE_TEXT = 'Hello world';

async function attempt<T>(f: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    if (error instanceof TqError && error.kind === 'aborted') throw error;
    return { ok: false, error };
  }
}

function choicesOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body.flatMap((b) => ((b as { choices?: unknown[] })?.choices ?? []));
  return (body as { choices?: unknown[] })?.choices ?? [];
}

/** Model names on /v1/models; [] when the endpoint is missing. Throws on connection failures. */
export async function listModels(ep: Endpoint, signal?: AbortSignal, onRequest?: () => void): Promise<string[]> {
  const r = await attempt(() => new OpenAIRoutes(ep).models({ signal, onRequest }));
  if (!r.ok) {
    if (r.error instanceof TqError && r.error.kind === 'http' && r.error.status === 404) return [];
    throw r.error;
  }
  return r.value.map((m) => (m as { id?: unknown } | null)?.id).filter((x): x is string => typeof x === 'string');
}

/** Measure a server's capabilities with a handful of tiny requests (auto dialect). */
/**
 * `notes` are problems worth a warning on every run; `info` says what was found and how it is used (the probe
 * report shows both).
 */
export async function detectCapabilities(ep: Endpoint, model: string, signal?: AbortSignal, onRequest?: () => void): Promise<{ caps: Capabilities; notes: string[]; info: string[] }> {
  const notes: string[] = [];
  const info: string[] = [];
  const opts: CallOptions = { signal, onRequest };
  // Tokenizer: vLLM at the root, SGLang under /v1, llama.cpp at the root with {content}.
  let tokenize: Capabilities['tokenize'] = 'none';
  let ids: number[] | undefined;
  const isIds = (t: unknown): t is number[] => Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === 'number' || typeof (x as { id?: unknown })?.id === 'number');
  const toIds = (t: unknown[]) => t.map((x) => (typeof x === 'number' ? x : (x as { id: number }).id));
  const root = await attempt(() => ep.request<{ tokens?: unknown }>({ root: '/tokenize' }, { model, prompt: PROBE_TEXT }, opts));
  if (root.ok && isIds(root.value?.tokens)) [tokenize, ids] = ['root', toIds(root.value.tokens)];
  else {
    const v1 = await attempt(() => ep.request<{ tokens?: unknown }>({ v1: '/tokenize' }, { model, prompt: PROBE_TEXT }, opts));
    if (v1.ok && isIds(v1.value?.tokens)) [tokenize, ids] = ['v1', toIds(v1.value.tokens)];
    else {
      const lc = await attempt(() => ep.request<{ tokens?: unknown }>({ root: '/tokenize' }, { content: PROBE_TEXT }, opts));
      if (lc.ok && isIds(lc.value?.tokens)) [tokenize, ids] = ['llamacpp', toIds(lc.value.tokens)];
    }
  }
  // One tiny logprobs request, with a token-id prompt when there is a tokenizer. vLLM's
  // return_tokens_as_token_ids is sent until a strict server (hosted OpenAI) refuses it as unrecognized.
  let idsParam = true;
  const once = (prompt: unknown, k: number, extra: Record<string, unknown>) =>
    attempt(() => ep.request<unknown>({ v1: '/completions' }, { model, prompt, max_tokens: 1, temperature: 0, top_p: 1, logprobs: k, ...(idsParam ? { return_tokens_as_token_ids: true } : {}), ...extra }, opts));
  // llama-server fails a request whose drawn token alone is not valid UTF-8 (a byte-fallback argmax fails every
  // greedy ask): the probe then draws at temperature 1 with a few seeds, since only the answer's shape matters.
  const ask = async (prompt: unknown, k: number, extra: Record<string, unknown> = {}) => {
    let r = await once(prompt, k, extra);
    for (let seed = 1; !r.ok && isSampledTokenFailure(r.error) && seed <= 8; seed++) r = await once(prompt, k, { ...extra, temperature: 1, top_k: 0, min_p: 0, seed });
    return r;
  };
  const firstAsk = async () => {
    let tokenIdPrompts = false;
    let prompt: unknown = PROBE_TEXT;
    let first = ids ? await ask(ids, 20) : await ask(PROBE_TEXT, 20);
    if (ids && first.ok) [tokenIdPrompts, prompt] = [true, ids];
    if (!first.ok) first = await ask(PROBE_TEXT, 20);
    let maxTopK = 20;
    if (!first.ok) {
      first = await ask(prompt, 5);
      maxTopK = 5;
    }
    return { first, tokenIdPrompts, prompt, maxTopK };
  };
  let r = await firstAsk();
  const refused = (e: unknown) => e instanceof TqError && e.kind === 'http' && (e.status === 400 || e.status === 422);
  if (!r.first.ok && refused(r.first.error)) {
    idsParam = false;
    r = await firstAsk();
    if (r.first.ok) notes.push('the server refuses return_tokens_as_token_ids: probed without it');
  }
  const { first, tokenIdPrompts, prompt } = r;
  let { maxTopK } = r;
  if (!first.ok) throw first.error;
  const c0 = choicesOf(first.value)[0] as { logprobs?: Record<string, unknown> } | undefined;
  const lp = c0?.logprobs;
  let logprobsShape: Capabilities['logprobsShape'] = 'legacy';
  let idsBack: Capabilities['idsBack'] = 'none';
  let topCount = 0;
  if (lp && Array.isArray(lp.content)) {
    const e = (lp.content as Array<Record<string, unknown>>)[0];
    logprobsShape = typeof e?.id === 'number' ? 'llamacpp' : 'chat';
    idsBack = logprobsShape === 'llamacpp' ? 'llamacpp' : 'none';
    topCount = Array.isArray(e?.top_logprobs) ? (e.top_logprobs as unknown[]).length : 0;
  } else if (lp && Array.isArray(lp.tokens)) {
    idsBack = /^token_id:\d+$/.test(String((lp.tokens as unknown[])[0])) ? 'token_id' : 'none';
    topCount = Object.keys(((lp.top_logprobs as unknown[]) ?? [])[0] ?? {}).length;
  } else notes.push('the server returned no logprobs: TQ* needs next-token log-probabilities');
  if (topCount > 0 && topCount < maxTopK) {
    notes.push(`asked for top-${maxTopK} log-probabilities, got ${topCount}`);
    maxTopK = topCount;
  }
  if (topCount === 0) maxTopK = 0;
  // Several prompts per request, and n.
  const [multi, nTest] = await Promise.all([ask([prompt, prompt], 1), ask(prompt, 1, { n: 2, temperature: 1 })]);
  const multiPrompt = multi.ok && choicesOf(multi.value).length === 2;
  // llama-server caps n at its number of slots (n_cmpl's hard limit, server-schema.cpp); the model reads them from /props.
  const n = nTest.ok && choicesOf(nTest.value).length === 2;
  // Scoring: echo with max_tokens 0 (vLLM), echo with max_tokens 1 (SGLang), prompt_logprobs (vLLM).
  let scoring: Capabilities['scoring'] = 'none';
  let echoNeedsToken = false;
  const promptLen = ids && tokenIdPrompts ? ids.length : 1;
  const echoed = (v: unknown) => {
    const lp2 = (choicesOf(v)[0] as { logprobs?: { tokens?: unknown[]; token_logprobs?: unknown[] } } | undefined)?.logprobs;
    return Array.isArray(lp2?.token_logprobs) && lp2.token_logprobs.length >= promptLen && lp2.token_logprobs.slice(1).some((x) => typeof x === 'number');
  };
  const e0 = await ask(prompt, 1, { echo: true, max_tokens: 0 });
  if (e0.ok && echoed(e0.value)) scoring = 'echo';
  else {
    const e1 = await ask(prompt, 1, { echo: true, max_tokens: 1 });
    if (e1.ok && echoed(e1.value)) [scoring, echoNeedsToken] = ['echo', true];
    else {
      const pl = await ask(prompt, 1, { prompt_logprobs: 0 });
      if (pl.ok && Array.isArray((choicesOf(pl.value)[0] as { prompt_logprobs?: unknown })?.prompt_logprobs)) scoring = 'prompt_logprobs';
    }
  }
  // SGLang is the legacy shape with a tokenizer under /v1 (and token texts, not ids, in its logprobs).
  const dialect: ConcreteDialect =
    logprobsShape === 'llamacpp' ? 'llamacpp' : logprobsShape === 'chat' ? 'ollama' : tokenize === 'v1' ? 'sglang' : idsBack === 'token_id' ? 'vllm' : 'openai';
  let caps: Capabilities = { dialect, maxTopK, tokenIdPrompts, multiPrompt, n, scoring, echoNeedsToken, tokenize, idsBack, logprobsShape };
  // Each dialect's own checks (llama.cpp's /props, SGLang's native /generate): what they found, and capabilities they change.
  for (const d of Object.values(DIALECT_MODULES)) {
    const found = await d.probe?.(ep, caps, ids, opts);
    if (!found) continue;
    info.push(...found.info);
    if (found.caps) caps = found.caps;
  }
  return { caps, notes, info };
}

/** Capabilities for a configured endpoint: the dialect's documented set, or measured ones for auto. */
export async function capabilitiesFor(ep: Endpoint, cfg: ModelEndpoint, signal?: AbortSignal, onRequest?: () => void): Promise<{ caps: Capabilities; notes: string[] }> {
  if (cfg.dialect !== 'auto') return { caps: DIALECT_CAPABILITIES[cfg.dialect], notes: [] };
  // Measured afresh for every environment: a handful of tiny requests, and a server may have been
  // restarted with other flags (or another server may now listen on the port) since the last run.
  return detectCapabilities(ep, cfg.model, signal, onRequest);
}

/** What the decoding settings need from this role's server that it lacks. */
export function capabilityProblems(role: string, caps: Capabilities, d: DecodingParams): string[] {
  const p: string[] = [];
  // Both roles answer top-k queries: the proposer(s) for TQ*/CD, the base for ARGS.
  if (d.topK > caps.maxTopK) p.push(`top-k ${d.topK} > the server's ${caps.maxTopK}: lower tqstar.decoding.topK`);
  if (role === 'base' && caps.scoring === 'none') {
    if (d.transfer === 'indirect' && d.indirectWeights === 'implicit')
      p.push('indirect transfer with implicit weights needs the base server to score text (echo/prompt_logprobs): use vLLM or SGLang, or set tqstar.decoding.indirectWeights to "baseline-reward"');
    if (d.proposer !== 'base') p.push('the base server cannot score candidates outside its own top-k: set tqstar.decoding.proposer to "base" (or use vLLM)');
  }
  if (!caps.tokenIdPrompts || caps.idsBack === 'none') p.push('text prompts only: re-tokenisation may drift (flagged in the diagnostics)');
  return p;
}

export function describeCapabilities(c: Capabilities): string[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `dialect            ${c.dialect}`,
    `largest top-k      ${c.maxTopK}`,
    `token-id prompts   ${yes(c.tokenIdPrompts)}`,
    `several prompts    ${yes(c.multiPrompt)}`,
    `n samples          ${yes(c.n)}`,
    `scoring            ${c.scoring === 'none' ? 'no' : c.scoring + (c.echoNeedsToken ? ' (max_tokens ≥ 1)' : '')}`,
    `tokenize           ${c.tokenize === 'none' ? 'no' : c.tokenize}`,
    `ids back           ${c.idsBack === 'none' ? 'no' : c.idsBack}`,
  ];
}

export type { CapabilityReport };
