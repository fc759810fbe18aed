// The HTTP exchange every endpoint uses: node:http(s) with a keep-alive agent, the body sent as one buffer and the answer read as buffers, under the size limit and the redirect rules.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { TqError } from '../core/errors';
import { bodyLimitFor, MAX_REDIRECTS, permanent } from './transport';
import { redactUrl } from './url';

export interface LeanAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after same-origin redirects). */
  url: string;
}

export interface LeanRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The serialised JSON body (POST), or undefined. */
  body?: Buffer;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** "tqstar.base" etc., for the setting an error names. */
  settingPrefix: string;
  /** Overrides bodyLimitFor. */
  maxBodyBytes?: number;
}

/**
 * Keep-alive agents of one endpoint replica. Idle sockets close after 4 s, before the 5 s idle timeout of
 * Node's and uvicorn's servers (vLLM, SGLang), so a request rarely meets a socket the server is closing;
 * when one does, the reset is a connection error and the endpoint retries it.
 */
export class LeanAgents {
  private readonly http: http.Agent;
  private readonly https: https.Agent;
  constructor(maxSockets: number, tls?: https.AgentOptions) {
    const o = { keepAlive: true, maxSockets, timeout: 4_000 };
    this.http = new http.Agent(o);
    this.https = new https.Agent({ ...o, ...tls });
  }
  for(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.https : this.http;
  }
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * One request and its answer, any status. Redirects are followed by hand: within the same origin up to
 * MAX_REDIRECTS hops (method and body kept, as 307/308 require; 303, and 301/302 after a POST, become a
 * GET without a body, as fetch does), never to another origin, where the prompt would go to a server
 * nobody configured. Every answer's body is read through the size limit.
 */
export async function leanExchange(agents: LeanAgents, req: LeanRequest): Promise<LeanAnswer> {
  let url = req.url;
  let method = req.method;
  let body = req.body;
  const setting = `${req.settingPrefix}.baseUrl`;
  for (let hop = 0; ; hop++) {
    const res = await once(agents, url, method, body, req);
    const location = res.headers.location;
    if (!REDIRECT.has(res.status) || typeof location !== 'string') return res;
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin)
      throw permanent(
        new TqError('http', `${url} redirected (HTTP ${res.status}) to another origin, ${redactUrl(next.toString())}; not followed, so nothing was sent there. If that is the server's real address, put it in ${setting}.`, { url, status: res.status, setting }),
      );
    if (hop + 1 > MAX_REDIRECTS) throw permanent(new TqError('http', `${url}: more than ${MAX_REDIRECTS} redirects (HTTP ${res.status}); check ${setting}`, { url, status: res.status, setting }));
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next.toString();
  }
}

function once(agents: LeanAgents, url: string, method: 'GET' | 'POST', body: Buffer | undefined, o: LeanRequest): Promise<LeanAnswer> {
  const limit = o.maxBodyBytes ?? bodyLimitFor(url);
  const tooBig = () => permanent(new TqError('protocol', `${url} answered with a body of more than ${limit} bytes (the limit for this endpoint); is the URL right?`, { url }));
  const target = new URL(url);
  const headers: Record<string, string> = { ...o.headers };
  if (body) headers['content-length'] = String(body.byteLength);
  else delete headers['content-type'];
  return new Promise<LeanAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(e);
    };
    const onAbort = () => fail(abortError());
    if (o.signal.aborted) return reject(abortError());
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, { method, headers, agent: agents.for(target) });
    o.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > limit) return fail(tooBig());
      const chunks: Buffer[] = [];
      let seen = 0;
      res.on('data', (c: Buffer) => {
        seen += c.byteLength;
        if (seen > limit) fail(tooBig());
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(connectionReset()));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(connectionReset());
        let out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, seen);
        try {
          out = decoded(out, res.headers['content-encoding'], limit);
        } catch (e) {
          return fail(e instanceof RangeError ? tooBig() : new TqError('protocol', `${url} answered with a body that does not decode as ${String(res.headers['content-encoding'])}`, { url }));
        }
        settled = true;
        o.signal.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: out, url });
      });
    });
    req.end(body);
  });
}

/** Requests ask for identity; a server that compresses anyway is decoded, within the same limit. */
function decoded(buf: Buffer, encoding: string | undefined, limit: number): Buffer {
  const e = encoding?.trim().toLowerCase();
  if (!e || e === 'identity') return buf;
  const opts = { maxOutputLength: limit };
  if (e === 'gzip' || e === 'x-gzip') return zlib.gunzipSync(buf, opts);
  if (e === 'deflate') return zlib.inflateSync(buf, opts);
  if (e === 'br') return zlib.brotliDecompressSync(buf, opts);
  throw new Error(`unknown content-encoding ${e}`);
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

function connectionReset(): Error {
  return Object.assign(new Error('the connection closed before the whole answer came (ECONNRESET)'), { code: 'ECONNRESET' });
}
