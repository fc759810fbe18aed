// Strength: α as given, or scale-free (spread of the rewards seen, or a per-token KL budget): the same policy for the reward × c.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeEnv, type DecodeResult } from '../../src/core/index';
import { RewardSpread, alphaForKl, tiltKl } from '../../src/core/strength';
import { InProcessReward, tabularSuite } from '../../src/models/inProcess';
import { directEnv, firstStep, params, promptOf } from './tabularEnv';

const suite = tabularSuite();

test('tiltKl is the KL of the tilted policy: a two-candidate case by hand', () => {
  // b = (0.5, 0.5), Q̂ = (0, 1): p_α = σ(α) on the second; KL = log 2 − H(p).
  for (const a of [0, 0.3, 1, 4]) {
    const p = 1 / (1 + Math.exp(-a));
    const h = -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    assert.ok(Math.abs(tiltKl([Math.log(0.5), Math.log(0.5)], [0, 1], a) - (Math.log(2) - h)) < 1e-12, `α = ${a}`);
  }
  // Unnormalised log π_base (a candidate set's share of π_base) gives the same: b is renormalised over the candidates.
  assert.ok(Math.abs(tiltKl([Math.log(0.1), Math.log(0.3)], [2, 0], 1.5) - tiltKl([Math.log(0.25), Math.log(0.75)], [2, 0], 1.5)) < 1e-12);
});

test('alphaForKl meets the budget, is scale-free (Q̂ × c gives α / c), and reports saturation', () => {
  const lb = [-0.2, -1.9, -2.5, -4];
  const q = [0.1, 0.7, -0.3, 1.2];
  for (const budget of [0.01, 0.1, 0.5]) {
    const s = alphaForKl(lb, q, budget);
    assert.ok(!s.saturated && Math.abs(s.kl - budget) < 1e-9, `budget ${budget}: KL ${s.kl}`);
    for (const c of [0.1, 10, 1e4]) {
      const sc = alphaForKl(lb, q.map((x) => c * x), budget);
      assert.ok(Math.abs(sc.alpha * c - s.alpha) < 1e-9 * s.alpha, `×${c}: α ${sc.alpha} vs ${s.alpha / c}`);
    }
  }
  // The most KL any α can spend: all mass on argmax Q̂, −log b(argmax) = −log(e^-4 / Σ e^lb).
  const max = -(-4 - Math.log(lb.reduce((a, l) => a + Math.exp(l), 0)));
  const sat = alphaForKl(lb, q, max + 0.5);
  assert.ok(sat.saturated && sat.kl <= max + 1e-9 && sat.kl > max - 1e-6);
  assert.deepEqual(alphaForKl(lb, [1, 1, 1, 1], 0.1), { alpha: 0, kl: 0, saturated: false });
});

test('RewardSpread is the sample standard deviation', () => {
  const s = new RewardSpread();
  assert.equal(s.sd(), null);
  s.add([1, 1]);
  assert.equal(s.sd(), null, 'all equal: no spread yet');
  s.add([2, 4, 7]);
  const xs = [1, 1, 2, 4, 7];
  const m = xs.reduce((a, b) => a + b) / xs.length;
  assert.ok(Math.abs(s.sd()! - Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))) < 1e-12);
});

/** The tabular environment with the target reward multiplied by c (the baseline ρ*_r does not change). */
const scaledEnv = (c: number): DecodeEnv => ({ ...directEnv(suite), reward: new InProcessReward(`tabular reward × ${c}`, suite.world, (seq) => c * suite.rewardFn(seq)) });
const decided = (r: DecodeResult) => ({ tokens: r.tokens.map((t) => t.id), probs: r.steps.map((s) => s.candidates.map((c) => c.selectProb.toFixed(9))) });

for (const strength of ['spread', 'kl'] as const) {
  test(`strength "${strength}": the reward × 10 and × 0.1 give the same answers and step policies; α scales by 1/c (raw α does not)`, async () => {
    for (const seed of [1, 2, 3]) {
      const P = (extra: object = {}) => params({ topK: 4, rollouts: 4, horizon: 3, seed, selection: 'sample', strength, klBudget: 0.2, scaledAlpha: 2, ...extra });
      const ref = await decode('tqstar', { text: '' }, scaledEnv(1), P());
      assert.ok(!ref.error && ref.steps.length > 1, ref.error?.message);
      for (const c of [10, 0.1]) {
        const r = await decode('tqstar', { text: '' }, scaledEnv(c), P());
        assert.deepEqual(decided(r), decided(ref), `seed ${seed}, reward × ${c}`);
        r.steps.forEach((s, i) => assert.ok(Math.abs(s.alpha! * c - ref.steps[i].alpha!) <= 1e-9 * Math.max(1, ref.steps[i].alpha!), `step ${i}: α ${s.alpha} vs ${ref.steps[i].alpha} / ${c}`));
      }
    }
    // The same runs with raw α change their policies with the reward's scale: the check above can tell.
    const raw = async (c: number) => decided(await decode('tqstar', { text: '' }, scaledEnv(c), params({ topK: 4, rollouts: 4, horizon: 3, seed: 1, selection: 'sample' })));
    assert.notDeepEqual((await raw(10)).probs, (await raw(1)).probs);
  });
}

test('strength "kl" with exact values: every step policy is klBudget nats from π_base over the candidates', async () => {
  const env: DecodeEnv = { ...directEnv(suite), valueOracle: (state, cands) => cands.map((z) => suite.exact.qStar(state.filter((id) => id !== suite.world.bosId), z)) };
  for (const state of [[], [0], [1, 2]]) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, env, params({ topK: 4, strength: 'kl', klBudget: 0.15, selection: 'sample' })));
    const lb = step.candidates.map((c) => c.logprobBase!);
    const z = Math.log(lb.reduce((a, l) => a + Math.exp(l), 0));
    const kl = step.candidates.reduce((a, c, i) => a + (c.selectProb > 0 ? c.selectProb * Math.log(c.selectProb / Math.exp(lb[i] - z)) : 0), 0);
    assert.ok(Math.abs(kl - 0.15) < 1e-6, `[${state}]: KL ${kl}`);
    assert.ok(step.alpha! > 0);
  }
});
