// Issue 11, "hangs" and "injection and leaks" at the transport: stalled and endless bodies, redirects, mislabelled JSON, credentials in URLs, timer ranges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Endpoint, loadRunConfig } from '../../src/backends/index';
import { TqError } from '../../src/core/errors';
import { demoRunConfig } from '../../src/server/demoConfig';
import { hostileServer, type Hostile } from './hostileServer';

const NO_RETRY = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const endpoint = (url: string, extra: Partial<ConstructorParameters<typeof Endpoint>[0]> = {}) =>
  new Endpoint({ role: 'base', baseUrls: [`${url}/v1`], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.base', retry: NO_RETRY, ...extra });
const tokenize = (ep: Endpoint) => ep.request<{ tokens: number[] }>({ root: '/tokenize' }, { prompt: 'x' });
const kindIs = (kind: string, re?: RegExp) => (e: unknown) => e instanceof TqError && e.kind === kind && (!re || re.test(e.message));

async function withServer<T>(server: Hostile, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } finally {
    await server.close();
  }
}

test('defect 5: headers, then a body that stalls mid-way, ends in a timeout error within timeoutMs', { timeout: 10_000 }, async () => {
  const s = await hostileServer(() => (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"tokens": [1, 2,');
  });
  await withServer(s, () => assert.rejects(tokenize(endpoint(s.url, { timeoutMs: 300 })), kindIs('timeout', /within 300 ms/)));
});

test('defect 5: a body dripped one byte at a time never outlives timeoutMs', { timeout: 10_000 }, async () => {
  const s = await hostileServer(() => (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"tokens": [');
    const t = setInterval(() => res.write('1'), 20);
    s.timers.add(t);
    res.on('close', () => clearInterval(t));
  });
  await withServer(s, () => assert.rejects(tokenize(endpoint(s.url, { timeoutMs: 400 })), kindIs('timeout')));
});

test('defect 6: an endless response body stops at the body-size limit with an error naming it (not retried)', { timeout: 15_000 }, async () => {
  const s = await hostileServer(() => (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"tokens": [');
    const chunk = '1,'.repeat(32 * 1024);
    const t = setInterval(() => res.write(chunk), 1);
    s.timers.add(t);
    res.on('close', () => clearInterval(t));
  });
  await withServer(s, async () => {
    await assert.rejects(tokenize(endpoint(s.url, { timeoutMs: 10_000, maxBodyBytes: 1 << 20, retry: FAST_RETRY })), kindIs('protocol', /more than 1048576 bytes/));
    assert.equal(s.requests.length, 1, 'a body over the limit is not asked for again');
  });
});

test('defect 6: a declared Content-Length over the limit is refused before reading', { timeout: 10_000 }, async () => {
  const big = JSON.stringify({ tokens: Array.from({ length: 200_000 }, (_, i) => i) });
  const s = await hostileServer(() => ({ text: big, headers: { 'content-length': String(Buffer.byteLength(big)) } }));
  await withServer(s, () => assert.rejects(tokenize(endpoint(s.url, { maxBodyBytes: 100_000 })), kindIs('protocol', /100000 bytes/)));
});

test('every endpoint has a documented default body-size limit (64 MiB completions, 16 MiB other routes)', async () => {
  const { bodyLimitFor } = await import('../../src/backends/transport');
  assert.equal(bodyLimitFor('http://h/v1/completions'), 64 * 2 ** 20);
  assert.equal(bodyLimitFor('http://h/v1/chat/completions'), 64 * 2 ** 20);
  assert.equal(bodyLimitFor('http://h/tokenize'), 16 * 2 ** 20);
  assert.equal(bodyLimitFor('http://h/pooling'), 16 * 2 ** 20);
});

test('defect 13: a redirect to another origin is not followed: the prompt never reaches it, and the error says where it pointed', { timeout: 10_000 }, async () => {
  const elsewhere = await hostileServer(() => ({ json: { tokens: [42] } }));
  const s = await hostileServer(() => ({ status: 307, text: '', headers: { location: `${elsewhere.url}/tokenize` } }));
  try {
    await assert.rejects(tokenize(endpoint(s.url, { apiKey: 'sk-secret-key' })), (e: unknown) => e instanceof TqError && e.kind === 'http' && e.status === 307 && e.message.includes(elsewhere.url) && e.setting === 'tqstar.base.baseUrl' && !e.message.includes('sk-secret-key'));
    assert.equal(elsewhere.requests.length, 0, 'nothing was sent to the other origin');
  } finally {
    await s.close();
    await elsewhere.close();
  }
});

test('defect 13: a redirect within the same origin is followed, body and key included (bounded hops)', { timeout: 10_000 }, async () => {
  const s = await hostileServer((r) => (r.path === '/tokenize' ? { status: 308, text: '', headers: { location: '/moved/tokenize' } } : r.path === '/loop' ? { status: 307, text: '', headers: { location: '/loop' } } : { json: { tokens: [7], got: r.body, auth: r.headers.authorization } }));
  await withServer(s, async () => {
    const ep = endpoint(s.url, { apiKey: 'k1' });
    const out = (await tokenize(ep)) as unknown as { tokens: number[]; got: unknown; auth: string };
    assert.deepEqual(out.tokens, [7]);
    assert.deepEqual(out.got, { prompt: 'x' });
    assert.equal(out.auth, 'Bearer k1');
    await assert.rejects(ep.request({ root: '/loop' }, {}), kindIs('http', /redirect/));
    // 303 after a POST: the next request is a GET without the body, as fetch does it.
    const seeOther = await hostileServer((r) => (r.path === '/form' ? { status: 303, text: '', headers: { location: '/result' } } : { json: { method: r.method, body: r.body ?? null } }));
    await withServer(seeOther, async () => assert.deepEqual(await endpoint(seeOther.url).request({ root: '/form' }, { a: 1 }), { method: 'GET', body: null }));
  });
});

test('defect 16: JSON sent as Content-Type text/html fails once, saying what came back', { timeout: 10_000 }, async () => {
  const s = await hostileServer(() => ({ text: '{"tokens":[1]}', headers: { 'content-type': 'text/html' } }));
  await withServer(s, async () => {
    await assert.rejects(tokenize(endpoint(s.url, { retry: FAST_RETRY })), kindIs('protocol', /Content-Type "text\/html", not JSON: .*tokens.*\[1\]/));
    assert.equal(s.requests.length, 1, 'a mislabelled answer is not retried');
  });
  // llama.cpp and Ollama label JSON with a charset: that is JSON.
  const ok = await hostileServer(() => ({ text: '{"tokens":[1]}', headers: { 'content-type': 'application/json; charset=utf-8' } }));
  await withServer(ok, async () => assert.deepEqual((await tokenize(endpoint(ok.url))).tokens, [1]));
});

test('defect 12: credentials in a URL are refused, and the message never repeats the secret', () => {
  const url = 'http://user:S3CRET@127.0.0.1:9/v1';
  assert.throws(() => endpoint(url.replace('/v1', '')), (e: unknown) => e instanceof TqError && e.kind === 'config' && /apiKeyEnv/.test(e.message) && !e.message.includes('S3CRET') && e.setting === 'tqstar.base.baseUrl');
  assert.throws(() => endpoint(`  ${url.replace('/v1', '')}`), (e: unknown) => e instanceof TqError && !e.message.includes('S3CRET'), 'pasted with blanks');
  const cfg = demoRunConfig('http://127.0.0.1:9');
  assert.throws(() => loadRunConfig({ ...cfg, base: { ...cfg.base, baseUrl: url } }), (e: unknown) => e instanceof TqError && e.kind === 'config' && e.message.includes('base.baseUrl') && !e.message.includes('S3CRET'));
  assert.throws(() => loadRunConfig({ ...cfg, reward: { kind: 'http-json', baseUrl: 'https://k:S3CRET@h/score', requestTemplate: {}, responsePath: 's' } }), (e: unknown) => e instanceof TqError && !e.message.includes('S3CRET'));
});

test('defect 7: timeoutMs above 2^31−1 (Node timer overflow) is refused by the config and by the endpoint', () => {
  const cfg = demoRunConfig('http://127.0.0.1:9');
  assert.throws(() => loadRunConfig({ ...cfg, base: { ...cfg.base, timeoutMs: 2 ** 31 } }), (e: unknown) => e instanceof TqError && e.kind === 'config' && /base\.timeoutMs: must be ≤ 2147483647/.test(e.message));
  assert.throws(() => loadRunConfig({ ...cfg, reward: { kind: 'vllm-pooling', baseUrl: 'http://127.0.0.1:9', timeoutMs: 2 ** 40 } }), (e: unknown) => e instanceof TqError && /reward\.timeoutMs/.test(e.message));
  assert.equal(loadRunConfig({ ...cfg, base: { ...cfg.base, timeoutMs: 2 ** 31 - 1 } }).base.timeoutMs, 2 ** 31 - 1);
  assert.throws(() => endpoint('http://127.0.0.1:9', { timeoutMs: 2 ** 31 }), kindIs('config', /timeoutMs/));
});
