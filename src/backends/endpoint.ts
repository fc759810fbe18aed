// One role's HTTP endpoint: replicas, least-outstanding dispatch, per-replica concurrency, retries, request log.
import { TqError } from '../core/errors';
import { AffinityTable } from './affinity';
import { errorTextMessage } from './errorBodies';
import { LeanAgents, leanExchange, type LeanAnswer } from './leanHttp';
import { DEFAULT_RETRY, isRefused, isRetryable, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from './retry';
import { isJsonMedia, isJsonStream, mediaType, permanent } from './transport';
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
  /**
   * With several replicas: 'affinity' (default) sends requests that carry prefix keys to the replica that served
   * that prefix (affinity.ts), falling back on load; 'least-outstanding' ignores the keys.
   */
  routing?: 'affinity' | 'least-outstanding';
  /**
   * The GGUF file a local engine serves here (the `gguf` setting): its error answers are reported in the engine's own
   * words, naming the file and `<settingPrefix>.gguf`, without the engine's internal URL.
   */
  localFile?: string;
}

/** Where a request goes: under the OpenAI base (/v1/...) or at the server root (/tokenize, /pooling). */
export type Route = { v1: string } | { root: string } | { absolute: true };

interface Replica {
  root: string;
  base: string;
  agents: LeanAgents;
  outstanding: number;
  /** Until this time (ms) the replica is passed over: it refused a connection (nothing listened there). */
  refusedUntil?: number;
}

/** How long a replica that refused a connection is passed over while another replica can take its requests. */
const REFUSED_COOLDOWN_MS = 10_000;

// Not a secret: what local servers are sent without a key (as the openai SDK did: some proxies want the header).
const DUMMY_KEY = 'sk-no-key-required';

interface RequestOpts {
  signal?: AbortSignal;
  method?: 'GET' | 'POST';
  absoluteUrl?: string;
  onRequest?: () => void;
  /** Reads a successful answer's text in place of JSON.parse (a SyntaxError is a malformed answer, retried). */
  parse?: (text: string) => unknown;
  /** The prompt's prefix keys (affinity.ts prefixKeys): the request goes where that prefix went before. */
  affinity?: readonly string[];
}

export class Endpoint {
  readonly role: string;
  readonly settingPrefix: string;
  private readonly replicas: Replica[];
  private readonly waiters: Array<() => void> = [];
  private readonly served = new AffinityTable<Replica>();
  private readonly opts: EndpointOptions;
  private requestCount = 0;
  private readonly headers: Record<string, string>;

  constructor(opts: EndpointOptions) {
    if (opts.baseUrls.length === 0) throw new TqError('config', `${opts.settingPrefix}.baseUrl: no URL given`, { setting: `${opts.settingPrefix}.baseUrl` });
    if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 1 || opts.timeoutMs > MAX_TIMEOUT_MS)
      throw new TqError('config', `${opts.settingPrefix}.timeoutMs: must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${opts.timeoutMs}`, { setting: `${opts.settingPrefix}.timeoutMs` });
    this.opts = opts;
    this.role = opts.role;
    this.settingPrefix = opts.settingPrefix;
    // Answers are asked for uncompressed: on loopback and LAN, gzip costs more CPU than the bytes it saves.
    // An explicit Connection header: VS Code's extension host swaps a request's agent for its proxy agent, which
    // otherwise closes every connection (microsoft/vscode#173861, http.proxySupport "fallback"/"off").
    this.headers = { 'content-type': 'application/json', accept: 'application/json', 'accept-encoding': 'identity', connection: 'keep-alive', authorization: `Bearer ${opts.apiKey || DUMMY_KEY}`, 'user-agent': 'tqstar' };
    this.replicas = opts.baseUrls.map((u) => {
      const root = serverRoot(u, `${opts.settingPrefix}.baseUrl`);
      const base = openaiBaseUrl(u, `${opts.settingPrefix}.baseUrl`);
      // The dispatcher never has more than maxConcurrency requests on a replica, so that many sockets suffice.
      return { root, base, outstanding: 0, agents: new LeanAgents(opts.maxConcurrency) };
    });
  }

  /** Closes the idle keep-alive sockets (they never keep the process alive; this frees them at once). */
  close(): void {
    for (const r of this.replicas) r.agents.destroy();
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

  /** Whether a request's prefix keys choose its replica (several replicas, affinity routing): else callers need not compute them. */
  get routesByPrefix(): boolean {
    return this.replicas.length > 1 && this.opts.routing !== 'least-outstanding';
  }

  /** The URL a route resolves to on the first replica (for messages). */
  urlOf(route: Route, absoluteUrl?: string): string {
    return resolve(this.replicas[0]!, route, absoluteUrl);
  }

  /**
   * One logical request with retries. `absoluteUrl` is used with route {absolute:true} (generic JSON rewards).
   * The body is serialised once for all attempts; a retry can move to another replica and is logged.
   */
  async request<T = unknown>(route: Route, body: unknown, opts: RequestOpts = {}): Promise<T> {
    const payload = (opts.method ?? 'POST') === 'GET' || body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return (await this.send(route, payload, opts)) as T;
  }

  /**
   * A fetch over this endpoint, for the openai SDK (its `fetch` option, with maxRetries 0): the URL the SDK built on
   * baseUrl goes to a replica through request()'s own path — retries, timeout, body limit, redirect rules, request
   * log, counting (`onRequest`), key redaction. An error answer is the endpoint's TqError, kept in `failure` as well:
   * the SDK wraps what a fetch throws, and its caller rethrows the original (openaiRoutes.ts).
   */
  fetchFor(opts: { onRequest?: () => void; failure: { error?: TqError } }): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
    return async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const base = this.replicas[0]!.base;
      if (!url.startsWith(base)) throw new TqError('internal', `${url} is not under ${base}`);
      const method = (init?.method ?? 'GET').toUpperCase() === 'GET' ? 'GET' : 'POST';
      const payload = method === 'POST' && typeof init?.body === 'string' ? Buffer.from(init.body) : undefined;
      try {
        // The JSON is checked here (a malformed answer is retried like any other); the SDK reads the text again.
        const text = (await this.send({ v1: url.slice(base.length) }, payload, { method, signal: init?.signal ?? undefined, onRequest: opts.onRequest, parse: jsonText })) as string;
        return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
      } catch (e) {
        if (e instanceof TqError) opts.failure.error = e;
        throw e;
      }
    };
  }

  private async send(route: Route, payload: Buffer | undefined, opts: RequestOpts): Promise<unknown> {
    const policy = this.opts.retry ?? DEFAULT_RETRY;
    for (let attempt = 0; ; attempt++) {
      let retryAfter: number | undefined;
      try {
        return await this.once(route, payload, opts);
      } catch (e) {
        // A refused connection is not retried on the same server (nothing listens there), but with several replicas the
        // request moves at once to one that has not refused (acquire() passes over the refusing one for a while).
        if (e instanceof TqError && isRefused(e) && attempt + 1 < policy.attempts && !opts.signal?.aborted && this.hasLiveReplica()) continue;
        if (!(e instanceof TqError) || !isRetryable(e) || attempt + 1 >= policy.attempts || opts.signal?.aborted) {
          if (e instanceof TqError && attempt > 0 && isRetryable(e)) throw new TqError(e.kind, `${e.message} (gave up after ${attempt + 1} attempts)`, { url: e.url, setting: e.setting, status: e.status, cause: e });
          throw e;
        }
        retryAfter = (e as TqError & { retryAfterMs?: number }).retryAfterMs;
      }
      await sleep(retryDelayMs(policy, attempt, retryAfter), opts.signal);
    }
  }

  private async once(route: Route, payload: Buffer | undefined, opts: RequestOpts): Promise<unknown> {
    // Every attempt is an HTTP request: the caller's count (the run's "requests") includes retries. Counted before a
    // replica is taken: the caller may refuse it (a spent maxRequests budget), and then nothing is sent.
    opts.onRequest?.();
    this.requestCount++;
    const replica = await this.acquire(opts.signal, opts.affinity);
    const url = resolve(replica, route, opts.absoluteUrl);
    const method = opts.method ?? 'POST';
    const t0 = Date.now();
    let status: number | string = 'error';
    // A child signal per request: listeners on the run's signal (thousands of requests) are removed at the end.
    const child = new AbortController();
    const forward = () => child.abort(opts.signal?.reason);
    if (opts.signal?.aborted) child.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', forward, { once: true });
    // The whole exchange, response body included.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.abort();
    }, this.opts.timeoutMs);
    try {
      const answer = await leanExchange(replica.agents, { method, url, body: payload, headers: this.headers, signal: child.signal, settingPrefix: this.settingPrefix, maxBodyBytes: this.opts.maxBodyBytes });
      const out = this.read(answer, opts.parse);
      status = answer.status;
      return out;
    } catch (e) {
      const err = this.withoutKey(timedOut && !opts.signal?.aborted ? this.timeoutError(url, e) : this.toTqError(e, url));
      if (isRefused(err)) replica.refusedUntil = Date.now() + REFUSED_COOLDOWN_MS;
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

  /** A success must be JSON (parsed once, from the whole body); an error status becomes an error with the server's words. */
  private read(a: LeanAnswer, parse: (text: string) => unknown = JSON.parse): unknown {
    const p = this.settingPrefix;
    const url = a.url;
    if (a.status < 200 || a.status > 299) {
      const hint = a.status === 404 ? ' (wrong path or model name?)' : a.status === 401 || a.status === 403 ? ' (API key missing or wrong?)' : '';
      const setting = a.status === 404 ? `${p}.baseUrl` : a.status === 401 || a.status === 403 ? `${p}.apiKeyEnv` : undefined;
      const said = errorTextMessage(a.body.toString('utf8'));
      const local = this.opts.localFile;
      const err = local
        ? new TqError('http', said.includes(local) ? said : `the local llama.cpp engine serving ${local} answered HTTP ${a.status}: ${said}`, { url, status: a.status, setting: `${p}.gguf` })
        : new TqError('http', `${url} answered HTTP ${a.status}${hint}: ${said}`, { url, status: a.status, setting });
      const ra = parseRetryAfter(header(a, 'retry-after'));
      if (ra !== undefined) Object.assign(err, { retryAfterMs: ra });
      throw err;
    }
    if (a.status === 204) return null;
    const media = mediaType(header(a, 'content-type'));
    const text = a.body.toString('utf8');
    if (!isJsonMedia(media))
      throw permanent(new TqError('protocol', `${url} answered HTTP ${a.status} with Content-Type ${JSON.stringify(header(a, 'content-type') ?? '(none)')}, not JSON: ${JSON.stringify(text.slice(0, 200))}`, { url, setting: `${p}.baseUrl` }));
    if (isJsonStream(media)) return text;
    try {
      return parse(text);
    } catch (e) {
      if (e instanceof TqError) throw e;
      if (!(e instanceof SyntaxError)) throw permanent(new TqError('protocol', `${url}: reading the answer failed: ${e instanceof Error ? e.message : String(e)}`, { url, cause: e }));
      throw new TqError('protocol', `${url} answered with malformed JSON: ${(e as Error).message}`, { url, cause: e });
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
    if (e instanceof TqError) return e;
    if (e instanceof Error && e.name === 'AbortError') return new TqError('aborted', `cancelled: ${url}`, { url });
    const code = (e as { code?: unknown }).code;
    const detail = typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
    // A certificate the client does not trust fails the same way every time: not retried.
    if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
      return permanent(new TqError('connection', `cannot connect to ${url} securely (${detail}: ${e instanceof Error ? e.message : ''}); check the certificate, or the scheme in ${this.settingPrefix}.baseUrl`, { url, setting: `${this.settingPrefix}.baseUrl`, cause: e }));
    return new TqError('connection', `cannot reach ${url} (${detail}); is the server running, and is the URL right?`, { url, setting: `${this.settingPrefix}.baseUrl`, cause: e });
  }

  /**
   * The replica that served the request's prefix when it has room (affinity), else the one with the fewest
   * outstanding requests; waits when every replica is at maxConcurrency.
   */
  private async acquire(signal?: AbortSignal, affinity?: readonly string[]): Promise<Replica> {
    const keyed = affinity !== undefined && affinity.length > 0 && this.routesByPrefix;
    for (;;) {
      if (signal?.aborted) throw new TqError('aborted', 'cancelled');
      let best = keyed ? this.served.lookup(affinity) : undefined;
      if (best && best.outstanding >= this.opts.maxConcurrency) best = undefined;
      if (best && this.isRefusing(best)) best = undefined;
      // Replicas that refused a connection lately are taken only when every replica has.
      const live = this.hasLiveReplica();
      if (!best) for (const r of this.replicas) if (r.outstanding < this.opts.maxConcurrency && (!live || !this.isRefusing(r)) && (!best || r.outstanding < best.outstanding)) best = r;
      if (best) {
        best.outstanding++;
        if (keyed) this.served.record(affinity, best);
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

  private isRefusing(r: Replica): boolean {
    return r.refusedUntil !== undefined && r.refusedUntil > Date.now();
  }

  /** Some replica has not refused a connection lately. */
  private hasLiveReplica(): boolean {
    return this.replicas.some((r) => !this.isRefusing(r));
  }

  private release(): void {
    this.waiters.shift()?.();
  }

  /** Outstanding requests per replica root (for tests of the dispatcher). */
  outstanding(): Record<string, number> {
    return Object.fromEntries(this.replicas.map((r) => [r.root, r.outstanding]));
  }
}

/** The answer's text once it parsed as JSON. */
function jsonText(text: string): string {
  JSON.parse(text);
  return text;
}

function resolve(r: Replica, route: Route, absoluteUrl?: string): string {
  if ('v1' in route) return r.base + route.v1;
  if ('root' in route) return r.root + route.root;
  if (!absoluteUrl) throw new TqError('internal', 'absolute route without a URL');
  return absoluteUrl;
}

function header(a: LeanAnswer, name: string): string | undefined {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
