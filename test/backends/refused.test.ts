// A refused connection (nothing listens at the URL) is reported after one attempt, not after four with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Endpoint } from '../../src/backends/endpoint';
import { TqError } from '../../src/core/errors';
import { isRetryable } from '../../src/backends/retry';

/** A port that was just free: nothing listens there once the probe server closes. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a refused connection is not retried: one request, an error that names the URL setting', { timeout: 30_000 }, async () => {
  const port = await closedPort();
  const ep = new Endpoint({ role: 'base', baseUrls: [`http://127.0.0.1:${port}/v1`], timeoutMs: 5_000, maxConcurrency: 1, settingPrefix: 'tqstar.base' });
  const err = await ep.request({ v1: '/models' }, undefined, { method: 'GET' }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof TqError, String(err));
  assert.equal(err.kind, 'connection');
  assert.match(err.message, /ECONNREFUSED/);
  assert.equal(err.setting, 'tqstar.base.baseUrl');
  assert.equal(ep.requests, 1, 'one attempt (four before: 3 retries with backoff)');
  assert.doesNotMatch(err.message, /gave up after/);
});

test('other connection failures (a reset) stay retryable', () => {
  assert.equal(isRetryable(new TqError('connection', 'cannot reach http://h/v1 (ECONNRESET)')), true);
  assert.equal(isRetryable(new TqError('connection', 'cannot reach http://h/v1 (ECONNREFUSED)')), false);
});

test('with several replicas a refused one is passed over: the request moves at once to a live replica, and later requests skip it', { timeout: 30_000 }, async () => {
  const { createServer: createHttpServer } = await import('node:http');
  const hits: string[] = [];
  const live = createHttpServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }));
  });
  await new Promise<void>((r) => live.listen(0, '127.0.0.1', () => r()));
  const livePort = (live.address() as { port: number }).port;
  const dead = await closedPort();
  try {
    // The dead replica first: least-outstanding dispatch takes it for the first request.
    const ep = new Endpoint({ role: 'base', baseUrls: [`http://127.0.0.1:${dead}/v1`, `http://127.0.0.1:${livePort}/v1`], timeoutMs: 5_000, maxConcurrency: 1, settingPrefix: 'tqstar.base' });
    for (let i = 0; i < 3; i++) await ep.request({ v1: '/models' }, undefined, { method: 'GET' });
    assert.equal(hits.length, 3, 'every request answered by the live replica');
    assert.equal(ep.requests, 4, 'one refused attempt, then the three answered ones: the refusing replica is not asked again');
    ep.close();
  } finally {
    await new Promise<void>((r) => live.close(() => r()));
  }
});
