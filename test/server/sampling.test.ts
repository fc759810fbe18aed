// Sampled frequencies over HTTP match the tabular tables (chi-square), including temperature, top_k and top_p.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tabularSuite } from '../../src/models/inProcess';
import type { RunningServer } from '../../src/server/index';
import { neutralSampling } from '../../src/backends/sampler';
import { completions, serve } from './http';

const suite = tabularSuite();
const { world } = suite;
const BOS = world.bosId;

/**
 * χ² critical value for p = 0.001 by degrees of freedom. With a fixed seed each test is deterministic;
 * the 0.1% level says how unlikely a pass-to-fail flip would be if the seed were changed while the
 * sampler is right, and a wrong table (e.g. an off-by-one id or a missing temperature) gives χ² in the hundreds.
 */
const CHI2_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52 };

/** Draws `total` first tokens after `prompt` in one request: 20 copies of the prompt × n. */
async function firstTokens(server: RunningServer, model: string, prompt: number[], extra: Record<string, unknown>, seed: number) {
  const counts = new Float64Array(world.eosId + 1);
  const r = await completions(server, { model, prompt: Array.from({ length: 20 }, () => prompt), n: 150, max_tokens: 1, seed, return_tokens_as_token_ids: true, logprobs: 0, ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const c of r.body.choices) counts[Number(c.logprobs.tokens[0].slice('token_id:'.length))]!++;
  return counts;
}

function chiSquare(counts: Float64Array, probs: Float64Array): { stat: number; df: number } {
  const n = counts.reduce((a, b) => a + b, 0);
  let stat = 0;
  let cells = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! === 0) {
      assert.equal(counts[i], 0, `token ${i} has probability 0 but was drawn`);
      continue;
    }
    const e = n * probs[i]!;
    stat += (counts[i]! - e) ** 2 / e;
    cells++;
  }
  return { stat, df: cells - 1 };
}

const renormalise = (ps: number[]) => {
  const s = ps.reduce((a, b) => a + b, 0);
  return Float64Array.from(ps, (p) => p / s);
};

// The sampler's own arithmetic, with the realistic server defaults off (they are tested below).
let server: RunningServer;
before(async () => (server = await serve({ realistic: false })));
after(() => server.close());

describe('sampling matches the tables (3000 draws each, χ² at the 0.1% level)', () => {
  // Every expected cell count is ≥ 5 at these prefixes (smallest probability × 3000 ≫ 5), so χ² applies.
  for (const [label, prefix] of [['empty prefix', []], ['prefix "b d"', [1, 3]]] as const) {
    test(`π_base at the ${label}`, { timeout: 30_000 }, async () => {
      const probs = suite.dists.base([...prefix]);
      const counts = await firstTokens(server, 'tabular-base', [BOS, ...prefix], { temperature: 1 }, 7);
      const { stat, df } = chiSquare(counts, probs);
      assert.ok(stat < CHI2_999[df]!, `χ²=${stat.toFixed(2)} with ${df} df`);
    });
  }

  test('ρ*_r (the served baseline) at the empty prefix', { timeout: 30_000 }, async () => {
    const { stat, df } = chiSquare(await firstTokens(server, 'tabular-rho-r', [BOS], { temperature: 1 }, 8), suite.dists.rhoStarR([]));
    assert.ok(stat < CHI2_999[df]!, `χ²=${stat.toFixed(2)}`);
  });

  test('temperature 0.5 samples p^2, renormalised', { timeout: 30_000 }, async () => {
    const probs = renormalise([...suite.dists.base([])].map((p) => p ** 2));
    const { stat, df } = chiSquare(await firstTokens(server, 'tabular-base', [BOS], { temperature: 0.5 }, 9), probs);
    assert.ok(stat < CHI2_999[df]!, `χ²=${stat.toFixed(2)}`);
  });

  test('top_k 2 keeps the two most likely tokens, renormalised', { timeout: 30_000 }, async () => {
    const base = [...suite.dists.base([])];
    const keep = base.map((_, i) => i).sort((a, b) => base[b]! - base[a]!).slice(0, 2);
    const probs = renormalise(base.map((p, i) => (keep.includes(i) ? p : 0)));
    const { stat, df } = chiSquare(await firstTokens(server, 'tabular-base', [BOS], { temperature: 1, top_k: 2 }, 10), probs);
    assert.equal(df, 1);
    assert.ok(stat < CHI2_999[df]!, `χ²=${stat.toFixed(2)}`);
  });

  test('top_p keeps the smallest most-likely set reaching p', { timeout: 30_000 }, async () => {
    const base = [...suite.dists.base([])];
    const order = base.map((_, i) => i).sort((a, b) => base[b]! - base[a]!);
    // p just above the top two tokens' mass: the nucleus is exactly three tokens.
    const p = base[order[0]!]! + base[order[1]!]! + 1e-6;
    const keep = order.slice(0, 3);
    const probs = renormalise(base.map((q, i) => (keep.includes(i) ? q : 0)));
    const { stat, df } = chiSquare(await firstTokens(server, 'tabular-base', [BOS], { temperature: 1, top_p: p }, 11), probs);
    assert.equal(df, 2);
    assert.ok(stat < CHI2_999[df]!, `χ²=${stat.toFixed(2)}`);
  });
});

describe('realistic server defaults truncate unless the request is neutral (the χ² test catches it)', () => {
  // At the empty prefix the least likely tokens carry the mass that top_p 0.8 (vLLM's generation config here) and
  // min_p 0.05 / top_p 0.95 (llama-server) cut: a client that leaves them on samples another distribution.
  test('vLLM: generation-config defaults (top_p 0.8 …) fail the χ² test; the client\'s neutral fields pass it', { timeout: 60_000 }, async () => {
    const real = await serve({ dialect: 'vllm' });
    try {
      const probs = suite.dists.base([]);
      const naive = chiSquare(await firstTokens(real, 'tabular-base', [BOS], { temperature: 1 }, 13), probs);
      assert.ok(naive.stat > CHI2_999[naive.df]!, `defaults left on must be detected: χ²=${naive.stat.toFixed(2)}`);
      const neutral = chiSquare(await firstTokens(real, 'tabular-base', [BOS], { temperature: 1, ...neutralSampling('vllm') }, 13), probs);
      assert.ok(neutral.stat < CHI2_999[neutral.df]!, `χ²=${neutral.stat.toFixed(2)}`);
    } finally {
      await real.close();
    }
  });

  test('llama.cpp: top_k 40 / top_p 0.95 / min_p 0.05 fail the χ² test; the client\'s neutral fields pass it', { timeout: 60_000 }, async () => {
    const real = await serve({ dialect: 'llamacpp', slots: 150 });
    try {
      const draw = async (extra: Record<string, unknown>) => {
        const counts = new Float64Array(world.eosId + 1);
        const r = await completions(real, { model: 'tabular-base', prompt: Array.from({ length: 20 }, () => [BOS]), n: 150, max_tokens: 1, seed: 14, logprobs: 1, temperature: 1, ...extra });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        for (const c of r.body.choices) counts[c.logprobs.content[0].id]!++;
        return counts;
      };
      const probs = suite.dists.base([]);
      const naive = chiSquare(await draw({}), probs);
      assert.ok(naive.stat > CHI2_999[naive.df]!, `defaults left on must be detected: χ²=${naive.stat.toFixed(2)}`);
      const neutral = chiSquare(await draw(neutralSampling('llamacpp')), probs);
      assert.ok(neutral.stat < CHI2_999[neutral.df]!, `χ²=${neutral.stat.toFixed(2)}`);
    } finally {
      await real.close();
    }
  });
});

describe('whole sequences', () => {
  test('the probability of a full response equals the product of the logprobs the server reports', { timeout: 30_000 }, async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS], n: 50, max_tokens: 10, seed: 12, logprobs: 0, return_tokens_as_token_ids: true });
    for (const c of r.body.choices) {
      const ids = c.logprobs.tokens.map((t: string) => Number(t.slice(9)));
      let exact = 0;
      ids.forEach((id: number, i: number) => (exact += Math.log(suite.dists.base(ids.slice(0, i))[id]!)));
      const reported = c.logprobs.token_logprobs.reduce((a: number, b: number) => a + b, 0);
      assert.ok(Math.abs(exact - reported) < 1e-9);
      assert.equal(ids.at(-1), world.eosId);
      assert.ok(ids.length <= world.maxLength + 1);
    }
  });
});
