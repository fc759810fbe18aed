// The bench's view of the wire, inside the server's process: bytes each way per HTTP exchange, and an "EOS off" front for long-answer rows.
import { channel } from 'node:diagnostics_channel';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** Bytes the server received (requests) and sent (responses, i.e. what the client received), counted per socket as exchanges finish. */
export class WireBytes {
  in = 0;
  out = 0;
  private readonly seen = new WeakMap<Socket, { r: number; w: number }>();
  /** Only exchanges with the server on this port (not the EOS-off front's, which would count them twice). */
  port = 0;
  constructor() {
    channel('http.server.response.finish').subscribe((m) => {
      const socket = (m as { socket?: Socket }).socket;
      if (!socket || socket.localPort !== this.port) return;
      const last = this.seen.get(socket) ?? { r: 0, w: 0 };
      this.in += socket.bytesRead - last.r;
      this.out += socket.bytesWritten - last.w;
      this.seen.set(socket, { r: socket.bytesRead, w: socket.bytesWritten });
    });
  }
}

/**
 * A front on `/noeos/…` that forwards to the server with `ignore_eos: true` added to every
 * completion request, so that rollouts run their full horizon as on a long real answer. (The
 * decoder still sees EOS in top-k lists; the bench's model wrapper drops it from the candidates.)
 * It runs in the server's process, so its CPU is not the client's.
 */
export function eosOffFront(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const path = (req.url ?? '/').replace(/^\/noeos/, '') || '/';
      if (req.method === 'POST' && /\/completions$/.test(path) && body.length) {
        const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        json.ignore_eos = true;
        body = Buffer.from(JSON.stringify(json));
      }
      const headers = { ...req.headers, host: t.host, 'content-length': String(body.length) };
      const up = request({ host: t.hostname, port: t.port, path, method: req.method, headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${a.port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}
