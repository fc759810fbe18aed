// Test helpers: start a reference server per suite and talk to it over real HTTP with fetch.
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index';

export async function serve(opts: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ quiet: true, ...opts });
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** POSTs JSON; the body is parsed when it is JSON, else left as text. Every call has a timeout so no test can hang. */
export async function post(server: RunningServer, path: string, body: unknown, timeoutMs = 20_000): Promise<Reply> {
  const r = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: the caller checks */
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

export async function get(server: RunningServer, path: string): Promise<Reply> {
  const r = await fetch(server.url + path, { signal: AbortSignal.timeout(20_000) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

export const completions = (server: RunningServer, body: Record<string, unknown>) => post(server, '/v1/completions', body);
