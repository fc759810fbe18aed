// The exact tabular checks again with the models served over real HTTP by the reference server (token-id prompts, no drift).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { decode, type DecodeEnv } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { tabularRunConfig } from '../../src/server/demoConfig';
import { firstStep, params, promptOf } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite(); // the same tables the server serves
const http = tabularOverHttp();

const STATES = [[], [1], [3, 0]];

for (const transfer of ['direct', 'indirect'] as const) {
  test(`over HTTP, ${transfer} transfer: exact log π_base for every candidate, Q̂ within 4 SE of Q*_r`, { timeout: 120_000 }, async () => {
    // Indirect over HTTP uses the served ρ*_{r_BL} as the baseline, with the implicit (DPO) weights.
    const e: DecodeEnv = transfer === 'direct' ? http.env() : { ...http.env(), baseline: (await buildEnv(loadRunConfig({ ...tabularRunConfig(http.server().url), baseline: { baseUrl: `${http.server().url}/v1`, model: 'tabular-rho-rbl', dialect: 'vllm' } }))).env.baseline };
    for (const state of STATES) {
      const r = await decode('tqstar', { text: promptOf(suite, state) }, e, params({ topK: 6, rollouts: 128, horizon: 10, maxTokens: 1 + 0 * state.length + 9, transfer, seed: 5 }));
      assert.ok(!r.error, r.error?.message);
      const step = firstStep(r);
      assert.equal(step.candidates.length, 6);
      for (const c of step.candidates) {
        // Logprobs travel as JSON numbers: equal to the tables up to float formatting.
        assert.ok(Math.abs(c.logprobBase! - Math.log(suite.dists.base(state)[c.id])) < 1e-9, `log π_base drift at [${state}] z=${c.id}`);
        const exact = suite.exact.qStar(state, c.id);
        if (c.id === suite.world.eosId) assert.ok(Math.abs(c.q! - exact) < 1e-9);
        // 18 candidates with rollouts per transfer: a 4-SE miss has probability 6e-5 each under the CLT.
        else assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr}`);
      }
      assert.equal(r.reward, suite.rewardFn([...state, ...r.tokens.map((t) => t.id)]), 'the final text is scored as the same sequence');
    }
  });
}

test('over HTTP: ≤ 3 requests per direct step after the first, counted by the server', { timeout: 60_000 }, async () => {
  const before = http.server().stats().requests;
  const r = await decode('tqstar', { text: '' }, http.env(), params({ topK: 5, rollouts: 4, horizon: 10, seed: 2 }));
  assert.ok(!r.error, r.error?.message);
  const served = http.server().stats().requests - before;
  assert.equal(served, r.stats.requests, 'the core meter and the server agree');
  for (const s of r.steps.slice(1)) assert.ok(s.requests <= 3, `step ${s.index}: ${s.requests}`);
});
