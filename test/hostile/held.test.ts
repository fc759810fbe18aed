// Issue 11, the classes that already held under attack, kept held: retries, shape checks, key handling, concurrency and cancel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, makeReward, type RequestLogLine } from '../../src/backends/index';
import { ModelEndpoint } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { hostileServer, llamacppTop } from './hostileServer';

const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const endpoint = (url: string, extra: Partial<ConstructorParameters<typeof Endpoint>[0]> = {}) =>
  new Endpoint({ role: 'base', baseUrls: [url], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.base', retry: FAST_RETRY, ...extra });
const tokenize = (ep: Endpoint, signal?: AbortSignal) => ep.request<{ tokens: number[] }>({ root: '/tokenize' }, { prompt: 'x' }, { signal });

test('held: 503, a reset connection and truncated JSON are retried until the answer comes', { timeout: 10_000 }, async () => {
  let n = 0;
  const s = await hostileServer(() => {
    n++;
    if (n === 1) return { status: 503, json: { error: { message: 'busy' } } };
    if (n === 2) return (res) => res.socket?.destroy();
    if (n === 3) return { text: '{"tokens": [1,' };
    return { json: { tokens: [1, 2] } };
  });
  try {
    const lines: RequestLogLine[] = [];
    assert.deepEqual((await tokenize(endpoint(s.url, { log: (l) => lines.push(l) }))).tokens, [1, 2]);
    assert.equal(s.requests.length, 4);
    assert.deepEqual(lines.map((l) => l.status), [503, 'connection', 'protocol', 200]);
  } finally {
    await s.close();
  }
});

test('held: 400 and 404 are not retried, and name the setting that fixes them', { timeout: 10_000 }, async () => {
  const s = await hostileServer((r) => (r.path === '/tokenize' ? { status: 404, json: { detail: 'Not Found' } } : { status: 400, json: { error: { message: 'bad field' } } }));
  try {
    await assert.rejects(tokenize(endpoint(s.url)), (e: unknown) => e instanceof TqError && e.status === 404 && e.setting === 'tqstar.base.baseUrl' && /wrong path or model name/.test(e.message));
    await assert.rejects(endpoint(s.url).request({ root: '/other' }, {}), (e: unknown) => e instanceof TqError && e.status === 400 && /bad field/.test(e.message));
    assert.equal(s.requests.length, 2, 'one request each');
  } finally {
    await s.close();
  }
});

test('held: answers of the wrong shape are protocol errors naming the URL (no choices; wrong choice count; no tokens)', { timeout: 10_000 }, async () => {
  let body: unknown = { nothing: true };
  const s = await hostileServer(() => ({ json: body }));
  try {
    const ep = endpoint(s.url, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: s.url, model: 'm', dialect: 'llamacpp', eosTokenId: 2 }), DIALECT_CAPABILITIES.llamacpp);
    const url = `${s.url}/v1/completions`;
    await assert.rejects(m.nextTokens([[1]], 1), (e: unknown) => e instanceof TqError && e.kind === 'protocol' && e.message.includes(url) && /no "choices" array/.test(e.message));
    body = { choices: [] };
    await assert.rejects(m.nextTokens([[1]], 1), (e: unknown) => e instanceof TqError && /expected 1 choice/.test(e.message));
    body = { tokens: 'abc' };
    await assert.rejects(m.encode('hi'), (e: unknown) => e instanceof TqError && e.kind === 'protocol' && /tokens/.test(e.message));
    body = llamacppTop([{ id: 5, token: ' a', logprob: -0.5 }]);
    const [[t]] = await m.nextTokens([[1]], 1);
    assert.deepEqual([t!.id, t!.text, t!.logprob], [5, ' a', -0.5], 'a well-formed answer is read as sent');
  } finally {
    await s.close();
  }
});

test('held: the API key goes only in the Authorization header, never into the request log or an error, even when the server echoes it', { timeout: 10_000 }, async () => {
  const key = 'sk-held-secret-4242';
  const s = await hostileServer((r) => ({ status: 401, json: { error: { message: `invalid key ${String(r.headers.authorization)}` } } }));
  try {
    const lines: RequestLogLine[] = [];
    const err = await tokenize(endpoint(s.url, { apiKey: key, log: (l) => lines.push(l) })).then(
      () => assert.fail('expected a 401'),
      (e: unknown) => e as TqError,
    );
    assert.equal(s.requests[0]!.headers.authorization, `Bearer ${key}`);
    assert.equal(err.setting, 'tqstar.base.apiKeyEnv');
    assert.ok(!err.message.includes(key), err.message);
    assert.match(err.message, /invalid key Bearer \*\*\*/);
    assert.ok(!JSON.stringify(lines).includes(key));
    // A reward endpoint of its own gets only its own key.
    const r = makeReward({ kind: 'openrlhf', baseUrl: s.url }, { role: 'reward' });
    await r.score([{ prompt: 'p', response: 'r' }]).catch(() => undefined);
    assert.equal(s.requests.at(-1)!.headers.authorization, 'Bearer sk-no-key-required', 'no key configured: the placeholder, never another role\'s key');
  } finally {
    await s.close();
  }
});

test('held: maxConcurrency bounds the requests a hostile slow server sees at once, and cancel ends them all', { timeout: 10_000 }, async () => {
  let open = 0;
  let peak = 0;
  const s = await hostileServer(() => (res) => {
    open++;
    peak = Math.max(peak, open);
    res.on('close', () => open--);
    // Never answers: only the client's cancel ends these.
  });
  try {
    const ep = endpoint(s.url, { maxConcurrency: 3, timeoutMs: 60_000 });
    const ctl = new AbortController();
    const calls = Array.from({ length: 10 }, () => tokenize(ep, ctl.signal));
    for (let i = 0; i < 200 && s.requests.length < 3; i++) await new Promise((ok) => setTimeout(ok, 10));
    assert.equal(s.requests.length, 3, 'three in flight, seven waiting in the client');
    ctl.abort();
    const results = await Promise.allSettled(calls);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof TqError && r.reason.kind === 'aborted'));
    assert.equal(peak, 3);
    assert.equal(s.requests.length, 3, 'the queued requests never went out');
  } finally {
    await s.close();
  }
});
