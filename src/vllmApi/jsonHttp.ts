// The JSON-over-HTTP plumbing the reference server and the local engine's server share: bounded bodies, JSON objects, loopback listen.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { badRequest, HttpError } from './httpError.js';

/** A request body as text; over `maxBytes` it is refused with a 413 instead of being buffered. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) reject(new HttpError(413, 'Request body too large.'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A POST body must be one JSON object (as vLLM's FastAPI models require); other methods have none. */
export function jsonObjectBody(method: string, text: string): Record<string, unknown> {
  if (method !== 'POST') return {};
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** A /detokenize `tokens` parameter: token ids in [0, vocabSize), or a 400 naming the field. */
export function tokenIdsParam(ids: unknown, vocabSize: number): number[] {
  if (!Array.isArray(ids) || !ids.every((t) => Number.isInteger(t) && t >= 0 && t < vocabSize)) throw badRequest(`tokens must be an array of token ids in [0, ${vocabSize}).`, 'tokens');
  return ids as number[];
}

/** Listens (port 0: any free port) and returns the server's URL and a close() that also ends kept-alive connections. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${h}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
