// The openai SDK on the standard routes (chat completions, /v1/models, /v1/embeddings) runs over the endpoint's
// guarded transport: the endpoint's retries (never the SDK's), counting, error texts, redirect rules, body limit
// and key redaction. Over real HTTP (a hostile test server).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Endpoint, type RequestLogLine } from '../../src/backends/index';
import { OpenAIRoutes } from '../../src/backends/openaiRoutes';
import { TqError } from '../../src/core/errors';
import { hostileServer } from '../hostile/hostileServer';

const endpoint = (url: string, extra: Partial<ConstructorParameters<typeof Endpoint>[0]> = {}) =>
  new Endpoint({ role: 'reward', baseUrls: [`${url}/v1`], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.reward', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, ...extra });
const CHAT = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0, max_tokens: 4 };
const reply = { id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: '7' }, finish_reason: 'stop' }] };

test('chat completions through the SDK: retried by the endpoint\'s policy only, every attempt counted and logged', { timeout: 10_000 }, async () => {
  let n = 0;
  const s = await hostileServer(() => (++n <= 2 ? { status: 503, json: { error: { message: 'busy' } } } : { json: reply }));
  try {
    const lines: RequestLogLine[] = [];
    let counted = 0;
    const body = await new OpenAIRoutes(endpoint(s.url, { log: (l) => lines.push(l) })).chat(CHAT, { onRequest: () => counted++ });
    assert.equal(body.choices[0]!.message.content, '7');
    assert.equal(s.requests.length, 3);
    assert.equal(counted, 3);
    assert.deepEqual(lines.map((l) => l.status), [503, 503, 200]);
    assert.equal(s.requests[2]!.path, '/v1/chat/completions');
    assert.deepEqual(s.requests[2]!.body, CHAT);
  } finally {
    await s.close();
  }
});

test('an error answer is the endpoint\'s error with the server\'s own words (FastAPI detail), not the SDK\'s', { timeout: 10_000 }, async () => {
  const s = await hostileServer(() => ({ status: 400, json: { detail: 'max_tokens is too large' } }));
  try {
    await assert.rejects(new OpenAIRoutes(endpoint(s.url)).chat(CHAT), (e: unknown) => e instanceof TqError && e.kind === 'http' && e.status === 400 && /max_tokens is too large/.test(e.message) && e.message.includes(`${s.url}/v1/chat/completions`));
    assert.equal(s.requests.length, 1, 'a 400 is not retried');
  } finally {
    await s.close();
  }
});

test('the key never shows: a server echoing it gets *** in the error', { timeout: 10_000 }, async () => {
  const key = 'sk-sdk-secret-77';
  const s = await hostileServer((r) => ({ status: 401, json: { error: { message: `bad key ${String(r.headers.authorization)}` } } }));
  try {
    const err = await new OpenAIRoutes(endpoint(s.url, { apiKey: key })).models().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TqError && err.kind === 'http', String(err));
    assert.ok(!err.message.includes(key) && err.message.includes('***'), err.message);
    assert.equal(s.requests[0]!.headers.authorization, `Bearer ${key}`, 'the endpoint\'s key, not the SDK\'s placeholder');
  } finally {
    await s.close();
  }
});

test('a redirect to another origin is refused and nothing is sent there; an oversized answer stops at the body limit', { timeout: 10_000 }, async () => {
  const other = await hostileServer(() => ({ json: reply }));
  const s = await hostileServer((r) => (r.path.endsWith('/embeddings') ? { text: JSON.stringify({ data: [{ embedding: new Array(200_000).fill(0.5) }] }) } : { status: 307, json: {}, headers: { location: `${other.url}/v1/chat/completions` } }));
  try {
    await assert.rejects(new OpenAIRoutes(endpoint(s.url)).chat(CHAT), (e: unknown) => e instanceof TqError && /another origin/.test(e.message));
    assert.equal(other.requests.length, 0);
    await assert.rejects(new OpenAIRoutes(endpoint(s.url, { maxBodyBytes: 100_000 })).embeddings(['a'], 'e'), (e: unknown) => e instanceof TqError && /more than 100000 bytes/.test(e.message));
  } finally {
    await s.close();
    await other.close();
  }
});

test('/v1/models and /v1/embeddings through the SDK send what the product sent before (float vectors, the model only when given)', { timeout: 10_000 }, async () => {
  const s = await hostileServer((r) => (r.path.endsWith('/models') ? { json: { object: 'list', data: [{ id: 'a' }, { id: 'b' }] } } : { json: { data: [{ index: 0, embedding: [1, 2] }] } }));
  try {
    const routes = new OpenAIRoutes(endpoint(s.url));
    assert.deepEqual((await routes.models()).map((m) => (m as { id: string }).id), ['a', 'b']);
    await routes.embeddings(['x'], undefined);
    assert.deepEqual(s.requests[1]!.body, { input: ['x'], encoding_format: 'float' });
    assert.equal(s.requests[0]!.method, 'GET');
  } finally {
    await s.close();
  }
});
