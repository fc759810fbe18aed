// The fetch every endpoint uses: a body-size limit per route, JSON-only answers, no redirect to another origin.
import { TqError } from '../core/errors';
import { redactUrl } from './url';

const MiB = 2 ** 20;
/** Documented in README ("Reliability and security"): completions carry top-k lists for every position. */
export const BODY_LIMITS = { completions: 64 * MiB, other: 16 * MiB } as const;
export const MAX_REDIRECTS = 5;

/** The largest response body accepted from `url`. */
export function bodyLimitFor(url: string): number {
  return /\/completions$/.test(new URL(url).pathname) ? BODY_LIMITS.completions : BODY_LIMITS.other;
}

/**
 * What this fetch throws: the SDK wraps it in an APIConnectionError (endpoint.ts unwraps `tq`), and
 * reads a connection timeout into any error whose text says "timed out", so the text here is fixed:
 * a hostile server's words (a Location, a body) must not turn a refusal into a timeout.
 */
export class TransportRefusal extends Error {
  constructor(readonly tq: TqError) {
    super('refused by the tqstar transport');
    this.name = 'TransportRefusal';
  }
}

/** An error that another attempt cannot fix (retry.ts reads the mark). */
export function permanent(e: TqError): TqError {
  return Object.assign(e, { retryable: false });
}

export interface TransportOptions {
  /** "tqstar.base" etc., for the setting an error names. */
  settingPrefix: string;
  /** Overrides bodyLimitFor (tests, and callers that know their answers are small). */
  maxBodyBytes?: number;
}

const refuse = (e: TqError) => new TransportRefusal(permanent(e));
const REDIRECT = new Set([301, 302, 303, 307, 308]);
// JSON, or a stream of JSON events (SSE, Ollama's NDJSON), which its reader parses itself.
const isJson = (contentType: string | null) => {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  return !!media && (media.includes('application/json') || media.endsWith('+json') || media === 'text/event-stream' || media === 'application/x-ndjson');
};

/**
 * A fetch for the OpenAI client. Redirects are followed by hand: within the same origin up to
 * MAX_REDIRECTS hops (method and body kept, as 307/308 require), never to another origin, where
 * the prompt would go to a server nobody configured.
 */
export function guardedFetch(opts: TransportOptions): typeof fetch {
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    let req: RequestInit = { ...init, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, req);
      const location = res.headers.get('location');
      if (!REDIRECT.has(res.status) || location === null) return checked(res, url, opts);
      await res.body?.cancel().catch(() => undefined);
      const next = new URL(location, url);
      const setting = `${opts.settingPrefix}.baseUrl`;
      if (next.origin !== new URL(url).origin)
        throw refuse(
          new TqError('http', `${url} redirected (HTTP ${res.status}) to another origin, ${redactUrl(next.toString())}; not followed, so nothing was sent there. If that is the server's real address, put it in ${setting}.`, {
            url,
            status: res.status,
            setting,
          }),
        );
      if (hop + 1 > MAX_REDIRECTS) throw refuse(new TqError('http', `${url}: more than ${MAX_REDIRECTS} redirects (HTTP ${res.status}); check ${setting}`, { url, status: res.status, setting }));
      // 303, and 301/302 after a POST, turn into a GET without a body (what browsers and fetch do).
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && (req.method ?? 'GET').toUpperCase() === 'POST')) {
        const headers = new Headers(req.headers);
        for (const h of ['content-length', 'content-type']) headers.delete(h);
        req = { ...req, method: 'GET', body: undefined, headers };
      }
      url = next.toString();
    }
  };
}

/** A successful answer must be JSON; every answer's body is read through the size limit. */
async function checked(res: Response, url: string, opts: TransportOptions): Promise<Response> {
  const limit = opts.maxBodyBytes ?? bodyLimitFor(url);
  const tooBig = () => permanent(new TqError('protocol', `${url} answered with a body of more than ${limit} bytes (the limit for this endpoint); is the URL right?`, { url }));
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new TransportRefusal(tooBig());
  }
  // With a declared length within the limit, HTTP framing already bounds the body (undici reads no
  // more than Content-Length): only a chunked body needs counting, which costs a stream per answer.
  const bounded = Number.isFinite(declared) && declared <= limit;
  if (!res.body || (bounded && (!res.ok || res.status === 204 || isJson(res.headers.get('content-type'))))) return res;
  let seen = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        seen += chunk.byteLength;
        if (seen > limit) ctl.error(tooBig());
        else ctl.enqueue(chunk);
      },
    }),
  );
  const out = new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  if (!res.ok || res.status === 204 || isJson(res.headers.get('content-type'))) return out;
  const start = (await out.text().catch(() => '')).slice(0, 200);
  throw refuse(
    new TqError('protocol', `${url} answered HTTP ${res.status} with Content-Type ${JSON.stringify(res.headers.get('content-type') ?? '(none)')}, not JSON: ${JSON.stringify(start)}`, {
      url,
      setting: `${opts.settingPrefix}.baseUrl`,
    }),
  );
}
