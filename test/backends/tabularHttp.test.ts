// The exact tabular checks end to end over HTTP (token-id prompts), and the HTTP requests one TQ* step costs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import type { RunConfigInput } from '../../src/config/schema';
import { decode, type DecodeResult } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { tabularRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

// The server serves tabularSuite() with its defaults; the same call here gives the same tables and exact values.
const suite = tabularSuite();
const promptOf = (words: number[]) => words.map((w) => suite.vocab[w]).join('');
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

/** The method of ALGORITHM.md (rollout values, α as given, every step steered), whatever the product's defaults. */
const METHOD = { estimator: 'rollouts', strength: 'alpha', gate: { by: 'none' }, allocation: { kind: 'fixed' } };

function config(over: Partial<RunConfigInput>, decoding: Record<string, unknown>) {
  const base = tabularRunConfig(server.url);
  return loadRunConfig({ ...base, ...over, decoding: { ...base.decoding, ...METHOD, ...decoding } });
}

async function firstStepOver(words: number[], cfg: ReturnType<typeof config>) {
  const { env } = await buildEnv(cfg);
  const r = await decode('tqstar', { text: promptOf(words) }, env, cfg.decoding);
  assert.ok(r.steps.length > 0, `no step: ${r.finish} ${r.error?.message}`);
  return r.steps[0]!;
}

// k = 6 takes every token (5 words + EOS); H = 10 ≥ L = 5 and maxTokens = 10, so no rollout is truncated.
const STATES = [[], [0], [1, 2], [3, 0, 4]];

test('direct transfer over HTTP: Q̂ from ρ*_r rollouts is within 4 SE of the exact Q* for every candidate', { timeout: 120_000 }, async () => {
  // 24 candidates: under the CLT a 4-SE miss has probability 6e-5 each (< 0.2% for the whole test); the seed is fixed.
  const cfg = config({}, { topK: 6, rollouts: 256, horizon: 10, maxTokens: 10, seed: 11 });
  let checked = 0;
  for (const state of STATES) {
    const step = await firstStepOver(state, cfg);
    assert.equal(step.candidates.length, 6);
    for (const c of step.candidates) {
      const exact = suite.exact.qStar(state, c.id);
      if (c.id === suite.world.eosId) {
        assert.ok(Math.abs(c.q! - exact) < 1e-12, 'EOS: Q = r(x, y<t) exactly');
        continue;
      }
      // Exact log π_base of the candidate, from the base model's scoring over HTTP.
      assert.ok(Math.abs(c.logprobBase! - Math.log(suite.dists.base(state)[c.id]!)) < 1e-9);
      assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr! + 1e-12, `state [${state}] z=${c.id}: Q̂=${c.q} Q*=${exact} SE=${c.qStderr}`);
      checked++;
    }
  }
  assert.ok(checked >= 15);
});

test('indirect transfer over HTTP (baseline ρ*_{r_BL}, implicit DPO weights): Q̂ within 4 SE of Q*_r', { timeout: 120_000 }, async () => {
  const cfg = config({ baseline: { baseUrl: `${server.url}/v1`, model: 'tabular-rho-rbl', dialect: 'vllm' } }, { topK: 6, rollouts: 256, horizon: 10, maxTokens: 10, seed: 5, transfer: 'indirect', indirectWeights: 'implicit' });
  for (const state of [[], [2]]) {
    const step = await firstStepOver(state, cfg);
    for (const c of step.candidates) {
      if (c.id === suite.world.eosId || c.qStderr === null) continue;
      const exact = suite.exact.qStar(state, c.id);
      // The delta-method SE of a self-normalised estimate; ESS reported alongside.
      assert.ok(c.ess !== null && c.ess > 1);
      assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr + 1e-9, `state [${state}] z=${c.id}: Q̂=${c.q} Q*=${exact} SE=${c.qStderr} ESS=${c.ess}`);
    }
  }
});

/** HTTP requests per step, from the server's own counters, split by path. */
async function requestsPerStep(cfg: ReturnType<typeof config>): Promise<{ perStep: Array<Record<string, number>>; result: DecodeResult }> {
  const { env } = await buildEnv(cfg);
  let last = { ...server.stats().byPath };
  const perStep: Array<Record<string, number>> = [];
  const result = await decode('tqstar', { text: '' }, env, cfg.decoding, {
    onEvent: (ev) => {
      if (ev.type !== 'step') return;
      const now = server.stats().byPath;
      perStep.push(Object.fromEntries(Object.keys(now).map((p) => [p, now[p]! - (last[p] ?? 0)]).filter(([, n]) => (n as number) > 0)));
      last = { ...now };
    },
  });
  return { perStep, result };
}

const modelAndReward = (s: Record<string, number>) => (s['/v1/completions'] ?? 0) + (s['/pooling'] ?? 0);

test('requests per TQ* step over HTTP: direct ≤ 4, whatever k and N', { timeout: 60_000 }, async () => {
  const { perStep, result } = await requestsPerStep(config({}, { topK: 6, rollouts: 16, horizon: 8, maxTokens: 5, seed: 2 }));
  assert.ok(perStep.length >= 2, `${result.finish} ${result.error?.message}`);
  console.log('direct, HTTP requests per step:', perStep);
  for (const [i, s] of perStep.entries()) {
    assert.ok(modelAndReward(s) <= 4, `step ${i}: ${JSON.stringify(s)}`);
    // The prompt is tokenised once per run (step 0); token texts are fetched once per vocabulary id and cached.
    if (i > 0) assert.equal(s['/tokenize'] ?? 0, 0);
  }
});

test('requests per TQ* step over HTTP: indirect ≤ 5 (implicit weights and baseline-reward weights)', { timeout: 60_000 }, async () => {
  for (const indirectWeights of ['implicit', 'baseline-reward'] as const) {
    const cfg = config({ baseline: { baseUrl: `${server.url}/v1`, model: 'tabular-rho-rbl', dialect: 'vllm' } }, { topK: 6, rollouts: 16, horizon: 8, maxTokens: 5, seed: 2, transfer: 'indirect', indirectWeights });
    const { perStep, result } = await requestsPerStep(cfg);
    assert.ok(perStep.length >= 2, `${result.finish} ${result.error?.message}`);
    console.log(`indirect (${indirectWeights}), HTTP requests per step:`, perStep);
    for (const [i, s] of perStep.entries()) assert.ok(modelAndReward(s) <= 5, `${indirectWeights} step ${i}: ${JSON.stringify(s)}`);
  }
});

test('the server of the Q̂ tests above behaves as vLLM does: generation-config sampling defaults, per-token /pooling without a task, greedy n > 1 refused', { timeout: 20_000 }, async () => {
  const post = (path: string, body: unknown) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const greedy = await post('/v1/completions', { model: 'tabular-base', prompt: [suite.world.bosId], n: 2, temperature: 0, max_tokens: 1 });
  assert.equal(greedy.status, 400);
  const pooled = await post('/pooling', { model: 'tabular-reward', input: [promptOf([0, 1, 2])] });
  assert.ok(pooled.body.data[0].data.length > 1, 'one row per token without a task');
  // Top_p 0.8 of the generation config: of 600 first tokens, none is outside the smallest set holding 80% of the mass.
  const base = [...suite.dists.base([])];
  const order = base.map((_, i) => i).sort((a, b) => base[b]! - base[a]!);
  let mass = 0;
  const nucleus = new Set<number>();
  for (const id of order) if (mass < 0.8) (mass += base[id]!, nucleus.add(id));
  const r = await post('/v1/completions', { model: 'tabular-base', prompt: Array.from({ length: 6 }, () => [suite.world.bosId]), n: 100, max_tokens: 1, seed: 3, logprobs: 0, return_tokens_as_token_ids: true });
  const drawn = r.body.choices.map((c: any) => Number(c.logprobs.tokens[0].slice('token_id:'.length)));
  assert.ok(nucleus.size < base.length && drawn.every((id: number) => nucleus.has(id)), 'a request without sampling fields is truncated');
});
