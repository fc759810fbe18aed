// A HOSTILE test server of the project's own (node:http on 127.0.0.1:0): answers that lie, stall, flood and redirect.
// Test-only: it imitates misbehaving servers over real HTTP so the client's defences are exercised end to end.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A JSON answer, or full control of the raw response (stalls, drips, floods, redirects). */
export type HostileAnswer = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | ((res: ServerResponse, req: HostileRequest) => void);

export interface Hostile {
  url: string;
  requests: HostileRequest[];
  close(): Promise<void>;
}

/** Every request is recorded; timers a raw handler starts are cleared on close so nothing outlives the test. */
export async function hostileServer(handler: (req: HostileRequest) => HostileAnswer): Promise<Hostile & { timers: Set<NodeJS.Timeout> }> {
  const requests: HostileRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        /* keep the raw text */
      }
      const r: HostileRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
      requests.push(r);
      const out = handler(r);
      if (typeof out === 'function') return out(res, r);
      const text = out.text ?? JSON.stringify(out.json);
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(text);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    timers,
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearInterval(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** vLLM's legacy completion shape for one position per prompt, with the given top-k map (values as sent). */
export function vllmTop(top: Record<string, unknown>, own?: unknown, text = ' a'): unknown {
  const first = Object.keys(top)[0] ?? 'token_id:1';
  // The sampled token is the first listed, with the same log-probability unless given (an answer that agrees with itself).
  own ??= typeof top[first] === 'number' ? top[first] : -0.1;
  return { choices: [{ index: 0, text, logprobs: { tokens: [first], token_logprobs: [own], top_logprobs: [top], text_offset: [0] }, finish_reason: 'length', stop_reason: null }] };
}

/** llama.cpp's content shape for one position, with the given top-k entries (values as sent). */
export function llamacppTop(top: Array<{ id: number; token: string; logprob: unknown }>, own: unknown = typeof top[0]?.logprob === 'number' ? top[0].logprob : -0.1): unknown {
  return { choices: [{ index: 0, text: top[0]?.token ?? '', logprobs: { content: [{ id: top[0]?.id ?? 1, token: top[0]?.token ?? '', logprob: own, top_logprobs: top }] }, finish_reason: 'length' }] };
}
