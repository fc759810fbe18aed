// Local stub servers (node:http on 127.0.0.1:0) that answer in a documented response shape, for adapter tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type StubHandler = (req: StubRequest) => { status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number } | Promise<{ status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }>;

export interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/** A stub server: every request is recorded, and answered by `handler` as JSON. */
export async function stubServer(handler: StubHandler): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: StubRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: raw ? JSON.parse(raw) : undefined };
      requests.push(r);
      let out: Awaited<ReturnType<StubHandler>>;
      try {
        out = await handler(r);
      } catch (e) {
        out = { status: 500, body: { error: { message: `stub failed: ${(e as Error).message}` } } };
      }
      if (out.delayMs) await new Promise((ok) => setTimeout(ok, out.delayMs));
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
