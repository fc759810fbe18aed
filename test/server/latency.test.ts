// The latency model: spec parsing, the cost formulas, the critical path, and the engine's own accounting over HTTP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildWordDemo } from '../../src/models/wordDemo';
import { criticalPathMs, isolatedRequestMs, parseLatency, VLLM_8B } from '../../src/server/index';
import { completions, serve } from './http';

const demo = buildWordDemo();
const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-9, `${msg} ${a} vs ${b}`);

describe('parseLatency', () => {
  test('presets, overrides on top of vllm-8b, and off', () => {
    assert.deepEqual(parseLatency('vllm-8b'), VLLM_8B);
    assert.equal(parseLatency('request=400,step=40').request, 400);
    assert.equal(parseLatency('request=400,step=40').prefill, VLLM_8B.prefill);
    assert.deepEqual(parseLatency('0'), parseLatency('off'));
    assert.equal(parseLatency('0').step, 0);
    assert.equal(parseLatency({ step: 7 }).step, 7);
  });
  test('the vllm-8b constants come from GPU-COSTS.md: 37k prefill tokens/s and 19 ms steps', () => {
    close(VLLM_8B.prefill * 37000, 1000);
    assert.equal(VLLM_8B.step, 19);
    // Step cost at 160 sequences stays within 10% of one sequence's (measured flat to 160).
    assert.ok(VLLM_8B.stepGrowth * 159 < 0.1);
  });
  test('unknown keys and negative numbers are errors naming the part', () => {
    assert.throws(() => parseLatency('warp=9'), /warp=9/);
    assert.throws(() => parseLatency('step=-1'), /step/);
  });
});

describe('cost formulas', () => {
  const o = { ...VLLM_8B, request: 5, prefill: 0.5, step: 10, stepGrowth: 0.1 };
  test('a request alone: overhead + one prefill pass + a decode step per further token of its longest sequence', () => {
    // Pass 1: 2 sequences, 30 new tokens: 10·1.1 + 15. Then 3 steps with 2 sequences (10·1.1 each), 2 with 1 (10 each).
    close(isolatedRequestMs(o, [{ newPromptTokens: 20, genTokens: 6 }, { newPromptTokens: 10, genTokens: 4 }]), 5 + 11 + 15 + 3 * 11 + 2 * 10);
    // Scoring (nothing generated) is one pass.
    close(isolatedRequestMs(o, [{ newPromptTokens: 8, genTokens: 0 }]), 5 + 10 + 4);
  });
  test('the critical path follows the longest dependency chain; independent requests overlap', () => {
    const one = (id: string, after: string[] = []) => ({ id, after, sequences: [{ newPromptTokens: 0, genTokens: 1 }] });
    const t = isolatedRequestMs(o, one('x').sequences); // 15
    close(criticalPathMs(o, [one('a'), one('b'), one('c', ['a', 'b']), one('d', ['c']), one('e', ['a'])]), 3 * t);
    close(criticalPathMs(o, [one('a'), one('b')]), t);
    assert.throws(() => criticalPathMs(o, [one('a', ['b']), one('b', ['a'])]), /cycle/);
  });
});

describe('engine accounting over HTTP', () => {
  const prompt = 'The customer service was slow, but the agent was kind and patient';
  const L = demo.tokenizer.encode(prompt).length;

  test('one request: passes, prefill, prefix reuse across its n samples and modelled busy time match the formula', { timeout: 30_000 }, async () => {
    const o = { ...VLLM_8B, request: 1, prefill: 0.5, step: 3, stepGrowth: 0.1, block: 4 };
    const server = await serve({ latency: o });
    try {
      const r = await completions(server, { model: 'demo-base', prompt, n: 2, max_tokens: 5, ignore_eos: true, seed: 1 });
      assert.equal(r.status, 200);
      const s = server.stats().engines['demo-base']!;
      const cached = Math.min(Math.floor(L / 4) * 4, L - 1); // the second sample reuses the first one's whole blocks
      assert.equal(s.iterations, 5);
      assert.equal(s.prefillTokens, 2 * L - cached);
      assert.equal(s.cachedTokens, cached);
      assert.equal(s.decodeTokens, 2 * 4);
      assert.equal(s.maxBatch, 2);
      close(s.busyMs, isolatedRequestMs(o, [{ newPromptTokens: L, genTokens: 5 }, { newPromptTokens: L - cached, genTokens: 5 }]) - o.request);
      // The same prompt again: its whole blocks come from the cache (at least the last token is recomputed).
      await completions(server, { model: 'demo-base', prompt, max_tokens: 1 });
      const s2 = server.stats().engines['demo-base']!;
      assert.equal(s2.prefillTokens - s.prefillTokens, L - cached);
    } finally {
      await server.close();
    }
  });

  test('concurrent requests share decode steps instead of queueing behind each other', { timeout: 30_000 }, async () => {
    const server = await serve({ latency: 'request=0,step=20,prefill=0' });
    try {
      const rs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => completions(server, { model: 'demo-base', prompt: `The food was ${'very '.repeat(i)}`, max_tokens: 10, ignore_eos: true, seed: i })),
      );
      rs.forEach((r) => assert.equal(r.status, 200));
      const s = server.stats().engines['demo-base']!;
      assert.equal(s.decodeTokens + 6, 60, 'every sequence took 10 tokens: 1 from its prefill pass and 9 decode steps');
      // Serialised, 6 × 10 passes; batched, the requests overlap (they all arrive within a few passes).
      assert.ok(s.iterations < 30, `iterations ${s.iterations}`);
      assert.ok(s.maxBatch >= 2);
    } finally {
      await server.close();
    }
  });

  test('reward requests cost one prefill pass over their tokens', { timeout: 30_000 }, async () => {
    const server = await serve({ latency: 'request=0,step=2,prefill=1' });
    try {
      const input = ['Thank you so much', 'The food was cold'];
      await fetch(server.url + '/pooling', { method: 'POST', body: JSON.stringify({ model: 'demo-sentiment', input }), signal: AbortSignal.timeout(10_000) });
      const s = server.stats().engines['demo-sentiment']!;
      assert.equal(s.iterations, 1);
      const tokens = input.reduce((a, t) => a + demo.tokenizer.encode(t).length, 0);
      assert.equal(s.prefillTokens, tokens);
      close(s.busyMs, 2 * (1 + VLLM_8B.stepGrowth) + tokens);
    } finally {
      await server.close();
    }
  });

  test('with latency off the accounting still counts tokens, at zero modelled cost', async () => {
    const server = await serve();
    try {
      await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 3, ignore_eos: true });
      const s = server.stats().engines['demo-base']!;
      assert.equal(s.iterations, 3);
      assert.equal(s.busyMs, 0);
    } finally {
      await server.close();
    }
  });

  test('the request log gives each request\'s sequences and what they cost, which criticalPathMs can replay', { timeout: 30_000 }, async () => {
    const o = { ...VLLM_8B, request: 1, prefill: 0.5, step: 2, stepGrowth: 0, block: 4 };
    const server = await serve({ latency: o, logRequests: 10 });
    try {
      await completions(server, { model: 'demo-base', prompt, n: 2, max_tokens: 3, ignore_eos: true });
      await completions(server, { model: 'demo-base', prompt, max_tokens: 2, ignore_eos: true });
      const log = server.stats().log;
      assert.deepEqual(log.map((r) => [r.seq, r.path, r.model]), [[1, '/v1/completions', 'demo-base'], [2, '/v1/completions', 'demo-base']]);
      const cached = Math.min(Math.floor(L / 4) * 4, L - 1);
      assert.deepEqual(log[0]!.sequences, [{ newPromptTokens: L, genTokens: 3 }, { newPromptTokens: L - cached, genTokens: 3 }]);
      assert.deepEqual(log[1]!.sequences, [{ newPromptTokens: L - cached, genTokens: 2 }]);
      // Two requests in a row: the critical path is the sum of both alone, and the engine did exactly that work.
      const schedule = log.map((r, i) => ({ id: String(r.seq), after: i ? [String(log[i - 1]!.seq)] : [], sequences: r.sequences }));
      close(criticalPathMs(o, schedule) - 2 * o.request, server.stats().engines['demo-base']!.busyMs);
      for (const r of log) assert.ok(r.endMs >= r.startMs);
    } finally {
      await server.close();
    }
  });
});
