// Early-pruned Best-of-N and SMC on the tabular models: their reductions to known strategies (exactly, or against exact
// values within 4 standard errors), the pruning schedule, and SMC's twisted weights and systematic resampling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, parseDecodingParams, type DecodeEnv, type DecodingParamsInput, type StrategyName } from '../../src/core/index';
import { ess, systematicResample, twistWeights } from '../../src/core/strategies/smc';
import { exactStrategyValue } from '../../src/models/exactStrategies';
import { tabularSuite } from '../../src/models/inProcess';

const suite = tabularSuite({ beta: 1 });
const direct: DecodeEnv = { base: suite.base, baseline: suite.rhoStarR, reward: suite.reward };
const p = (x: DecodingParamsInput) => parseDecodingParams({ maxTokens: 8, ...x });

async function meanReward(strategy: StrategyName, x: DecodingParamsInput, seeds: number, env: DecodeEnv = direct) {
  const rs: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const r = await decode(strategy, { text: '' }, env, p({ ...x, seed }));
    assert.equal(r.error, undefined, r.error?.message);
    rs.push(r.reward!);
  }
  const m = rs.reduce((a, b) => a + b, 0) / rs.length;
  const se = Math.sqrt(rs.reduce((a, b) => a + (b - m) ** 2, 0) / (rs.length - 1) / rs.length);
  return { m, se };
}

test('early-pruned Best-of-N and SMC with one checkpoint past the answer are Best-of-N: the same answer and cost, seed for seed', async () => {
  for (const strategy of ['specrej', 'smc'] as const)
    for (let seed = 0; seed < 20; seed++) {
      const x = { bestOfN: 6, checkpointTokens: 8, keepFraction: 0.25, seed };
      const [a, b] = [await decode('bon', { text: '' }, direct, p(x)), await decode(strategy, { text: '' }, direct, p(x))];
      assert.equal(b.text, a.text);
      assert.equal(b.reward, a.reward);
      assert.equal(b.stats.modelTokens, a.stats.modelTokens, 'the same tokens sampled');
      assert.equal(b.stats.requests, a.stats.requests, 'one sample request and one reward call');
    }
});

test('early-pruned Best-of-N with keepFraction 1 is Best-of-N in distribution (exact E[r] within 4 SE), N = 1 is sampling ρ_BL', async () => {
  const bon8 = exactStrategyValue(suite, 'bon', p({ bestOfN: 8 }))!.reward;
  const full = await meanReward('specrej', { bestOfN: 8, keepFraction: 1, checkpointTokens: 2 }, 300);
  assert.ok(Math.abs(full.m - bon8) < 4 * full.se, `${full.m} ± ${full.se} vs exact ${bon8}`);
  const one = await meanReward('specrej', { bestOfN: 1, keepFraction: 0.5, checkpointTokens: 1 }, 300);
  const rho = suite.exact.evaluate(suite.dists.rhoStarR).reward;
  assert.ok(Math.abs(one.m - rho) < 4 * one.se, `${one.m} ± ${one.se} vs exact ${rho}`);
  // Pruning spends fewer tokens and, on this reward, loses some of Best-of-N's reward (it is not free).
  const pruned = await meanReward('specrej', { bestOfN: 8, keepFraction: 0.5, checkpointTokens: 2 }, 300);
  assert.ok(pruned.m > rho + 4 * pruned.se, 'pruned Best-of-8 still beats one sample');
});

test('early-pruned Best-of-N keeps ⌈keepFraction·n⌉ answers at each checkpoint, the best partial rewards, and returns the best final one', async () => {
  for (let seed = 0; seed < 10; seed++) {
    const r = await decode('specrej', { text: '' }, direct, p({ bestOfN: 8, keepFraction: 0.5, checkpointTokens: 1, seed }));
    const step = r.steps[0]!;
    const sizes = step.note!.split(': ')[1]!.split(' → ').map(Number);
    assert.equal(sizes[0], 8);
    for (let i = 1; i < sizes.length; i++) assert.equal(sizes[i], Math.ceil(sizes[i - 1]! / 2), step.note);
    const qs = step.candidates.map((c) => c.q!);
    assert.equal(step.candidates.length, sizes[sizes.length - 1]);
    assert.equal(r.reward, Math.max(...qs));
    assert.equal(step.candidates.find((c) => c.chosen)!.q, Math.max(...qs));
  }
});

test('SMC: λ → ∞ is Best-of-N and N = 1 is sampling ρ_BL (exact E[r] within 4 SE); from π_base with λ = β and sampled selection it targets ρ*_r', async () => {
  const bon8 = exactStrategyValue(suite, 'bon', p({ bestOfN: 8 }))!.reward;
  const flat = await meanReward('smc', { bestOfN: 8, selectionTemperature: 1e6, checkpointTokens: 2 }, 300);
  assert.ok(Math.abs(flat.m - bon8) < 4 * flat.se, `${flat.m} ± ${flat.se} vs exact ${bon8}`);
  const rho = suite.exact.evaluate(suite.dists.rhoStarR).reward;
  const one = await meanReward('smc', { bestOfN: 1, checkpointTokens: 1 }, 300);
  assert.ok(Math.abs(one.m - rho) < 4 * one.se, `${one.m} ± ${one.se} vs exact ${rho}`);
  // Particles from π_base twisted by exp(r/β): the weighted population approximates ρ*_r ∝ π_base·exp(r/β) (bias O(1/N)).
  const base = suite.exact.evaluate(suite.dists.base).reward;
  const twisted = await meanReward('smc', { bestOfN: 32, checkpointTokens: 1, selection: 'sample', bestOfNModel: 'base', selectionTemperature: 1 }, 200);
  assert.ok(Math.abs(twisted.m - rho) < 4 * twisted.se, `${twisted.m} ± ${twisted.se} vs ρ*_r's exact ${rho}`);
  assert.ok(twisted.m > base + 4 * twisted.se, `the twist moves the answers off π_base (${base})`);
});

test('twisted weights are exp((r − r_prev)/λ) normalised; systematic resampling gives each particle ⌊N·w⌋ or ⌈N·w⌉ children', () => {
  const w = twistWeights([1, 2, 0.5, 3], [0, 1, 0, 1], 0.5);
  const raw = [Math.exp(2), Math.exp(2), Math.exp(1), Math.exp(4)];
  const z = raw.reduce((a, b) => a + b, 0);
  w.forEach((x, i) => assert.ok(Math.abs(x - raw[i]! / z) < 1e-15));
  assert.deepEqual(twistWeights([5, -5], [0, 0], Infinity), [0.5, 0.5]);
  assert.ok(Math.abs(twistWeights([1000, 0], [0, 0], 1e-3)[0]! - 1) < 1e-15, 'no overflow');
  assert.ok(Math.abs(ess([0.25, 0.25, 0.25, 0.25]) - 4) < 1e-12);
  assert.ok(Math.abs(ess([1, 0, 0]) - 1) < 1e-12);
  assert.deepEqual(systematicResample([0.25, 0.25, 0.25, 0.25], 0.7), [0, 1, 2, 3], 'equal weights: every particle once');
  assert.deepEqual(systematicResample([0, 1, 0], 0.3), [1, 1, 1]);
  assert.deepEqual(systematicResample([0.5, 0, 0.5, 0], 0.99), [0, 0, 2, 2]);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let t = 0; t < 200; t++) {
    const n = 1 + (t % 9);
    const raw2 = Array.from({ length: n }, () => (rnd() < 0.2 ? 0 : rnd()));
    if (!raw2.some((x) => x > 0)) raw2[0] = 1;
    const s = raw2.reduce((a, b) => a + b, 0);
    const ws = raw2.map((x) => x / s);
    const kids = systematicResample(ws, rnd());
    assert.equal(kids.length, n);
    ws.forEach((wi, i) => {
      const c = kids.filter((k) => k === i).length;
      assert.ok(c >= Math.floor(n * wi - 1e-9) && c <= Math.ceil(n * wi + 1e-9), `particle ${i}: ${c} children for N·w = ${n * wi}`);
    });
  }
});
