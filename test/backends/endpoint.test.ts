// Replicas with least-outstanding dispatch, the per-replica concurrency limit, the request log, and what goes on the wire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, type RequestLogLine } from '../../src/backends/index';
import { ModelEndpoint } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { stubServer, type Stub } from './stubServer';

// A stub that holds every request until released, so "in flight" is a state the test controls.
async function gatedStub(): Promise<Stub & { release(): void; waiting(): number }> {
  let gates: Array<() => void> = [];
  const stub = await stubServer(async () => {
    await new Promise<void>((ok) => gates.push(ok));
    return { body: { tokens: [1] } };
  });
  return {
    ...stub,
    release() {
      const g = gates;
      gates = [];
      g.forEach((f) => f());
    },
    waiting: () => gates.length,
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached within 5 s');
};

test('least-outstanding dispatch spreads requests over replicas; maxConcurrency caps each replica', { timeout: 20_000 }, async () => {
  const a = await gatedStub();
  const b = await gatedStub();
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [`${a.url}/v1`, `${b.url}/v1`], timeoutMs: 10_000, maxConcurrency: 2, settingPrefix: 'tqstar.base' });
    const calls = Array.from({ length: 6 }, () => ep.request({ root: '/tokenize' }, { prompt: 'x' }));
    // 2 replicas × 2 slots: four requests reach the servers, two wait in the client.
    await until(() => a.waiting() + b.waiting() === 4);
    assert.equal(a.waiting(), 2);
    assert.equal(b.waiting(), 2);
    assert.deepEqual(Object.values(ep.outstanding()), [2, 2]);
    for (let i = 0; i < 10 && a.requests.length + b.requests.length < 6; i++) {
      a.release();
      b.release();
      await new Promise((r) => setTimeout(r, 20));
    }
    a.release();
    b.release();
    await Promise.all(calls);
    assert.equal(a.requests.length + b.requests.length, 6);
    assert.ok(a.requests.length >= 2 && b.requests.length >= 2);
  } finally {
    a.release();
    b.release();
    await a.close();
    await b.close();
  }
});

test('the request log has role, method, URL, status and time — and never the API key', { timeout: 10_000 }, async () => {
  const stub = await stubServer(() => ({ body: { tokens: [1] } }));
  try {
    const lines: RequestLogLine[] = [];
    const key = 'sk-secret-test-key-123';
    const ep = new Endpoint({ role: 'baseline', baseUrls: [`${stub.url}/v1/`], apiKey: key, timeoutMs: 5_000, maxConcurrency: 2, log: (l) => lines.push(l), settingPrefix: 'tqstar.baseline' });
    await ep.request({ root: '/tokenize' }, { prompt: 'x' });
    assert.equal(stub.requests[0]!.headers.authorization, `Bearer ${key}`, 'the key is sent to the server');
    assert.equal(lines.length, 1);
    assert.deepEqual({ ...lines[0], ms: 0 }, { role: 'baseline', method: 'POST', url: `${stub.url}/tokenize`, status: 200, ms: 0 });
    assert.ok(!JSON.stringify(lines).includes(key));
  } finally {
    await stub.close();
  }
});

test('vLLM requests carry token-id prompts, n, logprobs, return_tokens_as_token_ids, temperature and neutral sampling fields in ONE request', { timeout: 10_000 }, async () => {
  // A stub answering in vLLM's legacy shape: choice index = prompt_idx·n + sample_idx.
  const MARK = '\n~|~\n';
  const stub = await stubServer(({ path, body }) => {
    // Token texts come from /detokenize (one batched request, split on a marker the client tokenises first).
    if (path === '/tokenize') return { body: { tokens: [999] } };
    if (path === '/detokenize') return { body: { prompt: (body as { tokens: number[] }).tokens.map((id) => (id === 999 ? MARK : `<${id}>`)).join('') } };
    const b = body as { prompt: number[][]; n: number };
    const choices = b.prompt.flatMap((p, i) =>
      Array.from({ length: b.n }, (_, j) => ({
        index: i * b.n + j,
        text: ` w${j}`,
        logprobs: { tokens: [`token_id:${100 + j}`], token_logprobs: [-0.5 - j], top_logprobs: [{ [`token_id:${100 + j}`]: -0.5 - j, 'token_id:7': -2 }], text_offset: [0] },
        finish_reason: 'length',
        stop_reason: null,
      })),
    );
    // Reversed on the wire: placement must follow the index, not the order.
    return { body: { choices: choices.reverse() } };
  });
  try {
    const ep = new Endpoint({ role: 'baseline', baseUrls: [`${stub.url}/v1/completions`], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.baseline' });
    const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: stub.url, model: 'm', dialect: 'vllm', eosTokenId: 2 }), DIALECT_CAPABILITIES.vllm);
    const out = await m.sample({ prompts: [[1, 2, 3], [4, 5]], n: 2, temperature: 0.7, maxTokens: 1, seed: 3, topLogprobs: 2 });
    const completions = stub.requests.filter((r) => r.path.endsWith('/completions'));
    assert.equal(completions.length, 1, 'one request whatever k and N');
    const sent = completions[0]!;
    assert.equal(sent.path, '/v1/completions');
    // Sampling fields neutral, or vLLM fills them from the checkpoint's generation_config.json.
    assert.deepEqual(sent.body, {
      model: 'm',
      top_p: 1,
      top_k: -1,
      min_p: 0,
      repetition_penalty: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      temperature: 0.7,
      max_tokens: 1,
      logprobs: 2,
      return_tokens_as_token_ids: true,
      prompt: [[1, 2, 3], [4, 5]],
      n: 2,
      seed: 3,
    });
    assert.deepEqual(
      out.map((row) => row.map((c) => c.text)),
      [[' w0', ' w1'], [' w0', ' w1']],
    );
    // Sampled tokens' texts follow from the choice text; the alternative's from /detokenize.
    assert.deepEqual(out[1]![1]!.tokens.map((t) => [t.id, t.text, t.logprob]), [[101, ' w1', -1.5]]);
    assert.deepEqual(out[0]![0]!.tokens[0]!.top!.map((t) => [t.id, t.text]), [[100, ' w0'], [7, '<7>']]);
    assert.equal(stub.requests.filter((r) => r.path === '/detokenize').length, 2, 'one marker check, one batch');
  } finally {
    await stub.close();
  }
});

test('cancelling through the AbortSignal ends an in-flight request (and a queued one) with an aborted error', { timeout: 10_000 }, async () => {
  const stub = await gatedStub();
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [stub.url], timeoutMs: 60_000, maxConcurrency: 1, settingPrefix: 'tqstar.base' });
    const ctl = new AbortController();
    const inFlight = ep.request({ root: '/tokenize' }, { prompt: 'x' }, { signal: ctl.signal });
    const queued = ep.request({ root: '/tokenize' }, { prompt: 'y' }, { signal: ctl.signal });
    await until(() => stub.waiting() === 1);
    ctl.abort();
    const aborted = (e: unknown) => e instanceof TqError && e.kind === 'aborted';
    await assert.rejects(inFlight, aborted);
    await assert.rejects(queued, aborted);
    assert.equal(stub.requests.length, 1, 'the queued request never went out');
  } finally {
    stub.release();
    await stub.close();
  }
});
