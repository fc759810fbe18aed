// One role's HTTP endpoint: replicas, least-outstanding dispatch, per-replica concurrency, retries, request log.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { TqError } from '../core/errors';
import { surfacingErrorBodies } from './errorBodies';
import { DEFAULT_RETRY, isRetryable, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from './retry';
import { guardedFetch, TransportRefusal } from './transport';
import { openaiBaseUrl, serverRoot } from './url';

/** Node's timers overflow above this (they then fire after 1 ms). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface RequestLogLine {
  role: string;
  method: string;
  url: string;
  status: number | string;
  ms: number;
}
export type RequestLog = (line: RequestLogLine) => void;

export interface EndpointOptions {
  /** 'base' | 'baseline' | 'reward' | 'baselineReward' (names the settings in errors). */
  role: string;
  baseUrls: string[];
  apiKey?: string;
  timeoutMs: number;
  maxConcurrency: number;
  log?: RequestLog;
  retry?: RetryPolicy;
  /** Setting prefix for errors, e.g. "tqstar.base". */
  settingPrefix: string;
  /** Response body limit in bytes; default per route (transport.ts bodyLimitFor). */
  maxBodyBytes?: number;
}

/** Where a request goes: under the OpenAI base (/v1/...) or at the server root (/tokenize, /pooling). */
export type Route = { v1: string } | { root: string } | { absolute: true };

interface Replica {
  root: string;
  base: string;
  client: OpenAI;
  outstanding: number;
}

// Not a secret: local servers ignore the key, but the SDK refuses to start without one.
const DUMMY_KEY = 'sk-no-key-required';

export class Endpoint {
  readonly role: string;
  readonly settingPrefix: string;
  private readonly replicas: Replica[];
  private readonly waiters: Array<() => void> = [];
  private readonly opts: EndpointOptions;
  private requestCount = 0;

  constructor(opts: EndpointOptions) {
    if (opts.baseUrls.length === 0) throw new TqError('config', `${opts.settingPrefix}.baseUrl: no URL given`, { setting: `${opts.settingPrefix}.baseUrl` });
    if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 1 || opts.timeoutMs > MAX_TIMEOUT_MS)
      throw new TqError('config', `${opts.settingPrefix}.timeoutMs: must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${opts.timeoutMs}`, { setting: `${opts.settingPrefix}.timeoutMs` });
    this.opts = opts;
    this.role = opts.role;
    const fetch = guardedFetch({ settingPrefix: opts.settingPrefix, maxBodyBytes: opts.maxBodyBytes });
    this.settingPrefix = opts.settingPrefix;
    this.replicas = opts.baseUrls.map((u) => {
      const root = serverRoot(u, `${opts.settingPrefix}.baseUrl`);
      const base = openaiBaseUrl(u, `${opts.settingPrefix}.baseUrl`);
      return { root, base, outstanding: 0, client: new OpenAI({ baseURL: base, apiKey: opts.apiKey || DUMMY_KEY, maxRetries: 0, timeout: opts.timeoutMs, fetch: surfacingErrorBodies(fetch) }) };
    });
  }

  /** The first replica's OpenAI base URL, for labels. */
  get baseUrl(): string {
    return this.replicas[0]!.base;
  }
  get rootUrl(): string {
    return this.replicas[0]!.root;
  }
  get requests(): number {
    return this.requestCount;
  }

  /** The URL a route resolves to on the first replica (for messages). */
  urlOf(route: Route, absoluteUrl?: string): string {
    return resolve(this.replicas[0]!, route, absoluteUrl);
  }

  /**
   * One logical request with retries. `absoluteUrl` is used with route {absolute:true} (generic JSON rewards).
   * The SDK's own retries are off: a retry here can move to another replica and is logged.
   */
  async request<T = unknown>(route: Route, body: unknown, opts: { signal?: AbortSignal; method?: 'GET' | 'POST'; absoluteUrl?: string; onRequest?: () => void } = {}): Promise<T> {
    const policy = this.opts.retry ?? DEFAULT_RETRY;
    for (let attempt = 0; ; attempt++) {
      let retryAfter: number | undefined;
      try {
        return (await this.once(route, body, opts)) as T;
      } catch (e) {
        if (!(e instanceof TqError) || !isRetryable(e) || attempt + 1 >= policy.attempts || opts.signal?.aborted) {
          if (e instanceof TqError && attempt > 0 && isRetryable(e)) throw new TqError(e.kind, `${e.message} (gave up after ${attempt + 1} attempts)`, { url: e.url, setting: e.setting, status: e.status, cause: e });
          throw e;
        }
        retryAfter = (e as TqError & { retryAfterMs?: number }).retryAfterMs;
      }
      await sleep(retryDelayMs(policy, attempt, retryAfter), opts.signal);
    }
  }

  private async once(route: Route, body: unknown, opts: { signal?: AbortSignal; method?: 'GET' | 'POST'; absoluteUrl?: string; onRequest?: () => void }): Promise<unknown> {
    const replica = await this.acquire(opts.signal);
    const url = resolve(replica, route, opts.absoluteUrl);
    const method = opts.method ?? 'POST';
    const t0 = Date.now();
    let status: number | string = 'error';
    // Every attempt is an HTTP request: the caller's count (the run's "requests") includes retries.
    this.requestCount++;
    opts.onRequest?.();
    // The SDK adds an abort listener to the signal it is given and never removes it; a run makes
    // thousands of requests on one signal, so each request gets a child signal unlinked at the end.
    const child = new AbortController();
    const forward = () => child.abort(opts.signal?.reason);
    if (opts.signal?.aborted) child.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', forward, { once: true });
    // The SDK's timeout ends at the response headers; this one covers the whole exchange, body included.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.abort();
    }, this.opts.timeoutMs);
    try {
      const reqOpts = { signal: child.signal, timeout: this.opts.timeoutMs, maxRetries: 0 };
      let out: unknown;
      if ('v1' in route && route.v1 === '/completions') out = await replica.client.completions.create(body as never, reqOpts);
      else if ('v1' in route && route.v1 === '/chat/completions') out = await replica.client.chat.completions.create(body as never, reqOpts);
      else if (method === 'GET') out = await replica.client.get(url, reqOpts);
      else out = await replica.client.post(url, { ...reqOpts, body: body as Record<string, unknown> });
      status = 200;
      return out;
    } catch (e) {
      const err = this.withoutKey(timedOut && !opts.signal?.aborted ? this.timeoutError(url, e) : this.toTqError(e, url));
      status = err.status ?? err.kind;
      throw err;
    } finally {
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', forward);
      replica.outstanding--;
      this.release();
      this.opts.log?.({ role: this.role, method, url, status, ms: Date.now() - t0 });
    }
  }

  /** A server may echo the key it was sent ("invalid key sk-…"): its text is shown and logged, the key never. */
  private withoutKey(e: TqError): TqError {
    const key = this.opts.apiKey;
    if (!key || !e.message.includes(key)) return e;
    const { retryable, retryAfterMs } = e as TqError & { retryable?: boolean; retryAfterMs?: number };
    const out = new TqError(e.kind, e.message.split(key).join('***'), { url: e.url, setting: e.setting, status: e.status });
    return Object.assign(out, retryable === undefined ? {} : { retryable }, retryAfterMs === undefined ? {} : { retryAfterMs });
  }

  private timeoutError(url: string, cause: unknown): TqError {
    return new TqError('timeout', `no answer from ${url} within ${this.opts.timeoutMs} ms`, { url, setting: `${this.settingPrefix}.timeoutMs`, cause });
  }

  private toTqError(e: unknown, url: string): TqError {
    const p = this.settingPrefix;
    if (e instanceof TqError) return e;
    if (e instanceof TransportRefusal) return e.tq;
    if (e instanceof APIConnectionError && e.cause instanceof TransportRefusal) return e.cause.tq;
    if (e instanceof APIUserAbortError) return new TqError('aborted', `cancelled: ${url}`, { url });
    if (e instanceof APIConnectionTimeoutError) return this.timeoutError(url, e);
    if (e instanceof APIConnectionError) {
      const cause = (e.cause as { cause?: { code?: string; message?: string }; message?: string } | undefined) ?? undefined;
      const detail = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? e.message;
      return new TqError('connection', `cannot reach ${url} (${detail}); is the server running, and is the URL right?`, { url, setting: `${p}.baseUrl`, cause: e });
    }
    if (e instanceof APIError && typeof e.status === 'number') {
      const serverMsg = describeErrorBody(e.error) ?? e.message;
      const hint = e.status === 404 ? ' (wrong path or model name?)' : e.status === 401 || e.status === 403 ? ' (API key missing or wrong?)' : '';
      const setting = e.status === 404 ? `${p}.baseUrl` : e.status === 401 || e.status === 403 ? `${p}.apiKeyEnv` : undefined;
      const err = new TqError('http', `${url} answered HTTP ${e.status}${hint}: ${serverMsg}`, { url, status: e.status, setting, cause: e });
      const ra = parseRetryAfter(e.headers?.get?.('retry-after'));
      if (ra !== undefined) Object.assign(err, { retryAfterMs: ra });
      return err;
    }
    if (e instanceof SyntaxError) return new TqError('protocol', `${url} answered with malformed JSON: ${e.message}`, { url, cause: e });
    if (e instanceof Error && e.name === 'AbortError') return new TqError('aborted', `cancelled: ${url}`, { url });
    return new TqError('connection', `request to ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { url, setting: `${p}.baseUrl`, cause: e });
  }

  /** Least-outstanding-requests dispatch; waits when every replica is at maxConcurrency. */
  private async acquire(signal?: AbortSignal): Promise<Replica> {
    for (;;) {
      if (signal?.aborted) throw new TqError('aborted', 'cancelled');
      let best: Replica | undefined;
      for (const r of this.replicas) if (r.outstanding < this.opts.maxConcurrency && (!best || r.outstanding < best.outstanding)) best = r;
      if (best) {
        best.outstanding++;
        return best;
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new TqError('aborted', 'cancelled'));
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private release(): void {
    this.waiters.shift()?.();
  }

  /** Outstanding requests per replica root (for tests of the dispatcher). */
  outstanding(): Record<string, number> {
    return Object.fromEntries(this.replicas.map((r) => [r.root, r.outstanding]));
  }
}

function resolve(r: Replica, route: Route, absoluteUrl?: string): string {
  if ('v1' in route) return r.base + route.v1;
  if ('root' in route) return r.root + route.root;
  if (!absoluteUrl) throw new TqError('internal', 'absolute route without a URL');
  return absoluteUrl;
}

function describeErrorBody(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body.slice(0, 300) : undefined;
  const b = body as { message?: unknown; error?: unknown; detail?: unknown };
  if (typeof b.message === 'string') return b.message.slice(0, 300);
  if (typeof b.error === 'string') return b.error.slice(0, 300);
  if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') return ((b.error as { message: string }).message).slice(0, 300);
  if (typeof b.detail === 'string') return b.detail.slice(0, 300);
  return JSON.stringify(body).slice(0, 300);
}
