// Injected faults end in a successful retry or a clear error with the URL — never a hang, never a lost partial result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, Endpoint, loadRunConfig, type RequestLogLine } from '../../src/backends/index';
import { decode } from '../../src/core/index';
import { TqError } from '../../src/core/errors';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';
import { isRetryable, parseRetryAfter, retryDelayMs } from '../../src/backends/retry';
import { stubServer } from './stubServer';

const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 };

async function withServer<T>(faults: string, f: (url: string, stats: () => { requests: number; byPath: Record<string, number> }) => Promise<T>): Promise<T> {
  const server = await startServer({ port: 0, quiet: true, faults });
  try {
    return await f(server.url, server.stats);
  } finally {
    await server.close();
  }
}

function endpoint(url: string, log?: (l: RequestLogLine) => void, retry = FAST_RETRY) {
  return new Endpoint({ role: 'base', baseUrls: [`${url}/v1`], timeoutMs: 5_000, maxConcurrency: 4, log, retry, settingPrefix: 'tqstar.base' });
}

const tokenize = (ep: Endpoint) => ep.request<{ tokens: number[] }>({ root: '/tokenize' }, { model: 'demo-base', prompt: 'The food was' });

for (const [name, spec] of [
  ['429 with Retry-After', '429:@2,retryAfter=0'],
  ['500', '500:@2'],
  ['dropped connection', 'drop:@2'],
  ['malformed JSON', 'malformed:@2'],
] as const) {
  test(`${name} on every 2nd request: each call succeeds after one retry`, { timeout: 20_000 }, async () => {
    await withServer(spec, async (url, stats) => {
      const lines: RequestLogLine[] = [];
      const ep = endpoint(url, (l) => lines.push(l));
      for (let i = 0; i < 4; i++) assert.ok((await tokenize(ep)).tokens.length > 0);
      // Requests 2, 4, 6… fail: with one retry each, 4 calls cost 7 requests, 3 of them failed.
      assert.equal(stats().requests, 7);
      assert.equal(lines.filter((l) => l.status !== 200).length, 3);
      assert.ok(lines.every((l) => l.url === `${url}/tokenize` && l.role === 'base'));
    });
  });
}

test('a server that always fails ends in a clear error naming the URL and the attempts, not a hang', { timeout: 20_000 }, async () => {
  await withServer('500:1', async (url, stats) => {
    await assert.rejects(tokenize(endpoint(url)), (e: unknown) => e instanceof TqError && e.kind === 'http' && e.status === 500 && e.message.includes(`${url}/tokenize`) && /after 4 attempts/.test(e.message));
    assert.equal(stats().requests, 4, 'bounded: exactly the configured attempts');
  });
});

test('Retry-After from a real 429 answer sets the wait before the next attempt (seconds or HTTP date, capped)', { timeout: 20_000 }, async () => {
  const stub = await stubServer(() => ({ status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '7' } }));
  try {
    const ep = endpoint(stub.url, undefined, { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 });
    const err = await tokenize(ep).then(
      () => assert.fail('expected a 429 error'),
      (e: unknown) => e as TqError & { retryAfterMs?: number },
    );
    assert.equal(err.kind, 'http');
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, 7_000);
    assert.ok(isRetryable(err));
  } finally {
    await stub.close();
  }
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };
  assert.equal(retryDelayMs(policy, 0, 7_000), 5_000, 'capped at maxDelayMs');
  assert.equal(retryDelayMs(policy, 0, 1_500), 1_500, 'the server asked for 1.5 s');
  assert.equal(retryDelayMs(policy, 3, undefined), 800, 'no Retry-After: exponential backoff');
  assert.equal(parseRetryAfter('2'), 2_000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('a timeout is a timeout error naming the URL and the timeoutMs setting', { timeout: 20_000 }, async () => {
  const stub = await stubServer(() => ({ body: { tokens: [1] }, delayMs: 2_000 }));
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [`${stub.url}/v1`], timeoutMs: 200, maxConcurrency: 2, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, settingPrefix: 'tqstar.base' });
    await assert.rejects(tokenize(ep), (e: unknown) => e instanceof TqError && e.kind === 'timeout' && e.setting === 'tqstar.base.timeoutMs' && e.message.includes(`${stub.url}/tokenize`));
  } finally {
    await stub.close();
  }
});

test('an unreachable host is a connection error naming the URL and the baseUrl setting', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  const url = server.url;
  await server.close(); // the port is now closed
  await assert.rejects(tokenize(endpoint(url)), (e: unknown) => e instanceof TqError && e.kind === 'connection' && e.setting === 'tqstar.base.baseUrl' && e.message.includes(`${url}/tokenize`));
});

test('a full TQ* decode through random faults (429, 500, drops, malformed, delays) completes by retrying', { timeout: 60_000 }, async () => {
  await withServer('429:0.05,500:0.05,drop:0.05,malformed:0.05,delay=50:0.1,retryAfter=0,seed=3', async (url, stats) => {
    const config = loadRunConfig({ ...demoRunConfig(url), decoding: { topK: 4, rollouts: 2, horizon: 6, maxTokens: 6, seed: 1 } });
    const { env } = await buildEnv(config);
    const r = await decode('tqstar', { text: 'The food was' }, env, config.decoding);
    assert.equal(r.error, undefined, r.error?.message);
    assert.ok(['eos', 'maxTokens'].includes(r.finish));
    assert.ok(r.steps.length > 0);
    const s = stats() as unknown as { faults: Record<string, number> };
    assert.ok(Object.values(s.faults).reduce((a, b) => a + b, 0) > 0, 'faults were injected');
  });
});

test('when the server starts failing mid-run, the partial result is kept with an error naming the URL', { timeout: 60_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const config = loadRunConfig({ ...demoRunConfig(server.url), decoding: { topK: 4, rollouts: 2, horizon: 6, maxTokens: 12, seed: 1 } });
    const { env } = await buildEnv(config);
    let steps = 0;
    const r = await decode('tqstar', { text: 'The food was' }, env, config.decoding, {
      onEvent: (ev) => {
        // After two steps the server goes away: every later request is refused.
        if (ev.type === 'step' && ++steps === 2) void server.close();
      },
    });
    assert.equal(r.finish, 'error');
    assert.ok(r.steps.length >= 2, 'the steps decoded before the failure are kept');
    assert.ok(r.text.length > 0);
    assert.ok(r.error && r.error.message.includes(server.url), r.error?.message);
  } finally {
    await server.close().catch(() => {});
  }
});
