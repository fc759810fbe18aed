// Direct transfer with the ideal baseline ρ*_r: Q̂ is the Monte-Carlo mean of r over ρ*_r rollouts, so it must match Q*_r.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, firstStep, params, promptOf } from './tabularEnv';

const suite = tabularSuite();
// Several states s_t (word ids), from the empty response to one token short of L = 5.
const STATES = [[], [0], [1, 2], [3, 0, 4], [4, 4, 1, 0]];
// k = 6 takes every token (5 words + EOS); H = 10 ≥ L, so no rollout is ever truncated.
const P = (rollouts: number, seed: number) => params({ topK: 6, rollouts, horizon: 10, maxTokens: 10, seed });

async function qErrors(rollouts: number, seed: number) {
  const out: { state: number[]; z: number; q: number; se: number; exact: number }[] = [];
  for (const state of STATES) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), P(rollouts, seed)));
    for (const c of step.candidates) out.push({ state, z: c.id, q: c.q!, se: c.qStderr!, exact: suite.exact.qStar(state, c.id) });
  }
  return out;
}

test('direct transfer: Q̂ within 4 standard errors of Q* for every candidate at several states (N = 256)', { timeout: 60_000 }, async () => {
  // 24 candidates with random rollouts: under the CLT a 4-SE miss has probability 6e-5 each (< 0.2% for all).
  const rows = await qErrors(256, 7);
  assert.equal(rows.length, STATES.length * 6);
  for (const r of rows) {
    if (r.z === suite.world.eosId) {
      assert.equal(r.q, r.exact, 'EOS: Q = r(x, y<t) exactly');
      continue;
    }
    if (r.state.length + 1 === suite.world.maxLength) {
      // z reaches length L: the only continuation is EOS, every rollout has the same reward.
      assert.ok(Math.abs(r.q - r.exact) < 1e-12 && r.se === 0, `state [${r.state}] z=${r.z}: deterministic rollouts`);
      continue;
    }
    assert.ok(Math.abs(r.q - r.exact) <= 4 * r.se, `state [${r.state}] z=${r.z}: Q̂=${r.q.toFixed(4)} Q*=${r.exact.toFixed(4)} SE=${r.se.toFixed(4)}`);
  }
});

test('direct transfer: the error of Q̂ falls as N grows (N = 16 against N = 256)', { timeout: 60_000 }, async () => {
  // RMSE over all non-EOS candidates, states and 3 seeds; it should shrink like 1/√N, i.e. by 4×.
  // Requiring 2× leaves room for the sampling noise of the RMSE itself (≈ 75 terms per N).
  const rmse = async (n: number) => {
    let ss = 0;
    let m = 0;
    for (const seed of [1, 2, 3]) {
      for (const r of await qErrors(n, seed)) {
        if (r.z === suite.world.eosId) continue;
        ss += (r.q - r.exact) ** 2;
        m++;
      }
    }
    return Math.sqrt(ss / m);
  };
  const e16 = await rmse(16);
  const e256 = await rmse(256);
  console.log(`RMSE(Q̂ − Q*): N=16 ${e16.toFixed(4)}, N=256 ${e256.toFixed(4)} (ratio ${(e16 / e256).toFixed(2)}, 1/√N predicts 4)`);
  assert.ok(e256 < e16 / 2, `RMSE should fall ~4× from N=16 (${e16}) to N=256 (${e256})`);
});

test('CD: Q̂ from π_base rollouts estimates Q^{π_base} (not Q*) within 4 SE; it proposes from π_base', { timeout: 60_000 }, async () => {
  let apart = 0;
  for (const state of STATES.slice(0, 4)) {
    const step = firstStep(await decode('cd', { text: promptOf(suite, state) }, directEnv(suite), P(256, 3)));
    const top = Array.from(suite.dists.base(state).keys()).filter((z) => suite.dists.base(state)[z] > 0);
    assert.deepEqual(new Set(step.candidates.map((c) => c.id)), new Set(top));
    for (const c of step.candidates) {
      const exact = suite.exact.qBase(state, c.id);
      assert.ok(Math.abs(c.logprobBase! - Math.log(suite.dists.base(state)[c.id])) < 1e-12);
      if (c.qStderr === 0) assert.ok(Math.abs(c.q! - exact) < 1e-12);
      else assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q^base ${exact} SE ${c.qStderr}`);
      if (Math.abs(exact - suite.exact.qStar(state, c.id)) > 8 * (c.qStderr ?? 0) && c.qStderr) apart++;
    }
  }
  assert.ok(apart > 0, 'some Q^{π_base} are far from Q*, so the test tells the two apart');
});

for (const proposer of ['base', 'union'] as const) {
  test(`proposer "${proposer}": candidates are ${proposer === 'base' ? 'π_base' : 'ρ_BL ∪ π_base'} top-k with exact log π_base, ≤ 3 requests per step after the first`, async () => {
    const k = 2;
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: k, rollouts: 4, proposer, seed: 4 }));
    assert.ok(!r.error && r.steps.length > 1, r.error?.message);
    let state: number[] = [];
    for (const s of r.steps) {
      const baseTop = Array.from(suite.dists.base(state).keys()).filter((z) => suite.dists.base(state)[z] > 0).sort((a, b) => suite.dists.base(state)[b] - suite.dists.base(state)[a] || a - b).slice(0, k);
      const blTop = Array.from(suite.dists.rhoStarR(state).keys()).filter((z) => suite.dists.rhoStarR(state)[z] > 0).sort((a, b) => suite.dists.rhoStarR(state)[b] - suite.dists.rhoStarR(state)[a] || a - b).slice(0, k);
      const want = proposer === 'base' ? baseTop : [...new Set([...blTop, ...baseTop])];
      assert.deepEqual(new Set(s.candidates.map((c) => c.id)), new Set(want), `step ${s.index}`);
      for (const c of s.candidates) assert.ok(Math.abs(c.logprobBase! - Math.log(suite.dists.base(state)[c.id])) < 1e-12);
      if (s.index > 0) assert.ok(s.requests <= 3, `step ${s.index}: ${s.requests} requests`);
      state = [...state, ...(s.chosen.id === suite.world.eosId ? [] : [s.chosen.id])];
    }
  });
}

test('reused rollouts: at later steps (rollouts carried over from the chosen candidate) Q̂ is still within 4 SE of Q*', { timeout: 60_000 }, async () => {
  // H ≥ L: no rollout is truncated, so a reused continuation is a complete draw from ρ*_r at the new state.
  let checked = 0;
  for (const seed of [1, 2]) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 6, rollouts: 256, horizon: 10, maxTokens: 10, seed }));
    let state: number[] = [];
    for (const s of r.steps) {
      if (s.index > 0) {
        for (const c of s.candidates) {
          if (c.id === suite.world.eosId || !c.qStderr) continue;
          const exact = suite.exact.qStar(state, c.id);
          assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr, `step ${s.index} [${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr}`);
          checked++;
        }
      }
      if (s.chosen.id !== suite.world.eosId) state = [...state, s.chosen.id];
    }
  }
  assert.ok(checked >= 5, `${checked} candidates checked after the first step`);
});
