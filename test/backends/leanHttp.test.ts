// The lean transport over real HTTP(S): keep-alive within the concurrency bound, bodies as sent, error bodies of every shape, compression, cut bodies, TLS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Endpoint, type RequestLogLine } from '../../src/backends/endpoint';
import { LeanAgents, leanExchange } from '../../src/backends/leanHttp';
import { TqError } from '../../src/core/errors';

const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const NO_RETRY = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

interface Seen {
  raw: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** A test server (node:http on 127.0.0.1:0) that records raw request bodies and counts TCP connections. */
async function server(handler: (req: Seen, res: ServerResponse) => void, make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createHttp(h)) {
  const seen: Seen[] = [];
  let connections = 0;
  const s = make((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { raw: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '/', headers: req.headers };
      seen.push(r);
      handler(r, res);
    });
  });
  s.on('connection', () => connections++);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  return {
    port,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((ok) => {
        s.closeAllConnections();
        s.close(() => ok());
      }),
  };
}

const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
};

const endpoint = (url: string, extra: Partial<ConstructorParameters<typeof Endpoint>[0]> = {}) =>
  new Endpoint({ role: 'base', baseUrls: [url], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.base', retry: FAST_RETRY, ...extra });

test('requests reuse keep-alive connections, never more at once than maxConcurrency', { timeout: 15_000 }, async () => {
  const s = await server((_r, res) => setTimeout(() => json(res, { tokens: [1] }), 5));
  const ep = endpoint(`http://127.0.0.1:${s.port}`, { maxConcurrency: 2 });
  try {
    for (let i = 0; i < 10; i++) await ep.request({ root: '/tokenize' }, { prompt: 'x' });
    assert.equal(s.connections(), 1, 'ten requests in turn: one connection');
    await Promise.all(Array.from({ length: 8 }, () => ep.request({ root: '/tokenize' }, { prompt: 'y' })));
    assert.equal(s.seen.length, 18);
    assert.ok(s.connections() <= 2, `at most two connections, got ${s.connections()}`);
  } finally {
    ep.close();
    await s.close();
  }
});

test('the body goes out as JSON once serialised: identical on every retry', { timeout: 15_000 }, async () => {
  let n = 0;
  const s = await server((_r, res) => (++n <= 2 ? json(res, { error: { message: 'busy' } }, 503) : json(res, { ok: true })));
  const ep = endpoint(`http://127.0.0.1:${s.port}`);
  try {
    assert.deepEqual(await ep.request({ root: '/x' }, { prompt: [[1, 2, 3, 4], [1, 2, 3, 5]] }), { ok: true });
    assert.deepEqual(s.seen.map((r) => r.raw), Array(3).fill('{"prompt":[[1,2,3,4],[1,2,3,5]]}'), 'the same bytes on each of the three attempts');
    assert.equal(s.seen[0]!.headers['content-type'], 'application/json');
    assert.equal(s.seen[0]!.headers['accept-encoding'], 'identity');
    n = 0;
    await ep.request({ root: '/y' }, { a: [1, 2], b: 'é' });
    assert.deepEqual(s.seen.slice(3).map((r) => r.raw), Array(3).fill(JSON.stringify({ a: [1, 2], b: 'é' })));
    await ep.request({ root: '/z' }, undefined, { method: 'GET' });
    assert.equal(s.seen.at(-1)!.raw, '');
    assert.equal(s.seen.at(-1)!.headers['content-type'], undefined, 'a GET has no body and says none');
  } finally {
    ep.close();
    await s.close();
  }
});

test('error bodies of every server shape reach the message, with status, URL and setting', { timeout: 15_000 }, async () => {
  const bodies: Record<string, [number, string]> = {
    '/openai': [400, JSON.stringify({ error: { message: 'bad field', type: 'invalid_request_error' } })],
    '/sglang': [400, JSON.stringify({ object: 'error', message: 'sglang says no', type: 'BadRequestError', code: 400 })],
    '/fastapi': [422, JSON.stringify({ detail: [{ loc: ['body', 'prompt'], msg: 'field required' }] })],
    '/tgi': [424, JSON.stringify({ error: 'tgi says no', error_type: 'validation' })],
    '/text': [502, 'upstream went away'],
    '/empty': [401, ''],
  };
  const s = await server((r, res) => {
    const [status, text] = bodies[r.path]!;
    res.writeHead(status, { 'content-type': text.startsWith('{') ? 'application/json' : 'text/plain' });
    res.end(text);
  });
  const url = `http://127.0.0.1:${s.port}`;
  const ep = endpoint(url, { retry: NO_RETRY });
  const message = (path: string) => ep.request({ root: path }, {}).then(() => assert.fail('expected an error'), (e: TqError) => e);
  try {
    const expect: Record<string, RegExp> = { '/openai': /HTTP 400: bad field$/, '/sglang': /HTTP 400: sglang says no$/, '/fastapi': /HTTP 422: .*field required/, '/tgi': /HTTP 424: tgi says no$/, '/text': /HTTP 502: upstream went away$/, '/empty': /HTTP 401 \(API key missing or wrong\?\): \(no body\)$/ };
    for (const [path, re] of Object.entries(expect)) {
      const e = await message(path);
      assert.ok(e instanceof TqError && e.kind === 'http' && e.status === bodies[path]![0] && e.url === `${url}${path}`, path);
      assert.match(e.message, re);
      assert.ok(e.message.startsWith(`${url}${path} answered`), e.message);
    }
    assert.equal((await message('/empty')).setting, 'tqstar.base.apiKeyEnv');
  } finally {
    ep.close();
    await s.close();
  }
});

test('a compressed answer is decoded within the size limit; a compression bomb is refused, not retried', { timeout: 15_000 }, async () => {
  const big = JSON.stringify({ tokens: Array.from({ length: 100_000 }, () => 7) });
  const s = await server((r, res) => {
    const text = r.path === '/bomb' ? big : JSON.stringify({ tokens: [1, 2] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(text));
  });
  const ep = endpoint(`http://127.0.0.1:${s.port}`, { maxBodyBytes: 50_000 });
  try {
    assert.deepEqual(await ep.request({ root: '/small' }, {}), { tokens: [1, 2] });
    await assert.rejects(ep.request({ root: '/bomb' }, {}), (e: unknown) => e instanceof TqError && e.kind === 'protocol' && /more than 50000 bytes/.test(e.message));
    assert.equal(s.seen.filter((r) => r.path === '/bomb').length, 1);
  } finally {
    ep.close();
    await s.close();
  }
});

test('a body cut short of its Content-Length is a connection error, retried until a whole answer comes', { timeout: 15_000 }, async () => {
  let n = 0;
  const s = await server((_r, res) => {
    if (++n === 1) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"tokens": [1,');
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    }
    json(res, { tokens: [1, 2] });
  });
  const lines: RequestLogLine[] = [];
  const ep = endpoint(`http://127.0.0.1:${s.port}`, { log: (l) => lines.push(l) });
  try {
    assert.deepEqual(await ep.request({ root: '/tokenize' }, {}), { tokens: [1, 2] });
    assert.deepEqual(lines.map((l) => l.status), ['connection', 200]);
  } finally {
    ep.close();
    await s.close();
  }
});

test('a parse given by the caller reads the answer; its SyntaxError is a malformed answer and is retried', { timeout: 15_000 }, async () => {
  let n = 0;
  const s = await server((_r, res) => json(res, { v: ++n }));
  const ep = endpoint(`http://127.0.0.1:${s.port}`);
  try {
    const parse = (text: string) => {
      const v = JSON.parse(text) as { v: number };
      if (v.v < 3) throw new SyntaxError(`not yet (${v.v})`);
      return { read: v.v };
    };
    assert.deepEqual(await ep.request({ root: '/p' }, {}, { parse }), { read: 3 });
    // Anything else it throws is no malformed body: a protocol error, not retried.
    await assert.rejects(
      ep.request({ root: '/p' }, {}, {
        parse: () => {
          throw new TypeError('not for retrying');
        },
      }),
      (e: unknown) => e instanceof TqError && e.kind === 'protocol' && /reading the answer failed: not for retrying/.test(e.message),
    );
    assert.equal(n, 4);
  } finally {
    ep.close();
    await s.close();
  }
});

/** A self-signed certificate for 127.0.0.1, made by openssl (null when openssl is not installed). */
function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-tls-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();

test('https: the exchange works with a trusted certificate (same-origin redirect followed); an untrusted one is refused at once', { timeout: 15_000, skip: tls ? false : 'openssl is not installed' }, async () => {
  const s = await server(
    (r, res) => (r.path === '/old' ? (res.writeHead(308, { location: '/new' }), res.end()) : json(res, { path: r.path, body: JSON.parse(r.raw || 'null'), auth: r.headers.authorization })),
    (h) => createHttps({ key: tls!.key, cert: tls!.cert }, h),
  );
  const url = `https://127.0.0.1:${s.port}`;
  const agents = new LeanAgents(2, { ca: tls!.cert });
  try {
    const a = await leanExchange(agents, { method: 'POST', url: `${url}/old`, body: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, signal: new AbortController().signal, settingPrefix: 'tqstar.base' });
    assert.equal(a.status, 200);
    assert.equal(a.url, `${url}/new`);
    assert.deepEqual(JSON.parse(a.body.toString()), { path: '/new', body: { a: 1 }, auth: 'Bearer k' });
    // Without the certificate among its trusted roots, the endpoint refuses, names the setting, and does not retry.
    const lines: RequestLogLine[] = [];
    const ep = endpoint(url, { log: (l) => lines.push(l) });
    await assert.rejects(ep.request({ root: '/tokenize' }, {}), (e: unknown) => e instanceof TqError && e.kind === 'connection' && /securely/.test(e.message) && e.setting === 'tqstar.base.baseUrl');
    assert.equal(lines.length, 1, 'one attempt');
    ep.close();
  } finally {
    agents.destroy();
    await s.close();
  }
});
