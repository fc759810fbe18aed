// With the exact Q* plugged in, one decoding step is exactly π_TQ*(z|s) ∝ π_base(z|s)·exp(α·Q*(s,z)) over C_t.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { topK, valuePolicy } from '../../src/models/exact';
import { tabularSuite } from '../../src/models/inProcess';
import { firstStep, oracleEnv, params, promptOf } from './tabularEnv';

const suite = tabularSuite();
const STATES = [[], [2], [0, 1], [4, 3, 2], [1, 1, 1, 1]];

for (const k of [3, 6]) {
  for (const alpha of [0.5, 2]) {
    test(`exact-Q plug-in (k=${k}, α=${alpha}): the step distribution equals softmax(log π_base + α·Q*) over C_t (TV < 1e-9)`, async () => {
      const P = params({ topK: k, alpha, selection: 'sample', maxTokens: 1 });
      // Independent construction from exact.ts: C_t = top-k of the baseline ρ*_r (the default proposer).
      const exactPolicy = valuePolicy(suite.dists.base, (s) => topK(suite.dists.rhoStarR(s), k), (s, z) => suite.exact.qStar(s, z), alpha);
      for (const state of STATES) {
        const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, oracleEnv(suite, 'qStar'), P));
        const want = exactPolicy(state);
        let tv = 0;
        for (let z = 0; z < want.length; z++) tv += Math.abs((step.candidates.find((c) => c.id === z)?.selectProb ?? 0) - want[z]) / 2;
        assert.ok(tv < 1e-9, `state [${state}]: TV ${tv}`);
        for (const c of step.candidates) assert.equal(c.q, suite.exact.qStar(state, c.id));
      }
    });
  }
}

test('exact-Q plug-in, greedy selection: chooses the argmax of log π_base + α·Q*', async () => {
  const P = params({ topK: 6, alpha: 1, selection: 'greedy', maxTokens: 1 });
  for (const state of STATES) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, oracleEnv(suite, 'qStar'), P));
    const best = [...step.candidates].sort((a, b) => b.score - a.score)[0];
    const expected = Math.log(suite.dists.base(state)[best.id]) + suite.exact.qStar(state, best.id);
    assert.equal(step.chosen.id, best.id);
    assert.ok(Math.abs(best.score - expected) < 1e-12);
  }
});

test('exact-Q plug-in, sampling mode: chosen-token frequencies pass a chi-square test against π_TQ*', { timeout: 60_000 }, async () => {
  const state = [0, 1];
  const P = (seed: number) => params({ topK: 6, alpha: 1, selection: 'sample', maxTokens: 1, seed });
  const env = oracleEnv(suite, 'qStar');
  const probs = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, env, P(0))).candidates.map((c) => ({ id: c.id, p: c.selectProb }));
  const draws = 3000;
  const counts = new Map<number, number>();
  for (let seed = 1; seed <= draws; seed++) {
    const id = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, env, P(seed))).chosen.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let chi2 = 0;
  for (const { id, p } of probs) chi2 += ((counts.get(id) ?? 0) - draws * p) ** 2 / (draws * p);
  // df = 5 (6 candidates); the 0.999 quantile of χ²₅ is 20.52: a correct sampler fails 1 in 1000 seeds-sets.
  console.log(`chi-square ${chi2.toFixed(2)} on ${probs.length - 1} df over ${draws} draws`);
  assert.equal(probs.length, 6);
  assert.ok(probs.every((x) => draws * x.p >= 5), 'expected counts ≥ 5 for the χ² approximation');
  assert.ok(chi2 < 20.52, `χ² = ${chi2}`);
});
