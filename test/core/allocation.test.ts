// Sequential allocation: rollouts in rounds for the candidates still in contest; Q̂ against exact Q* on the tabular world.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalQuantile, openContest } from '../../src/core/allocation';
import { decode } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, firstStep, params, promptOf } from './tabularEnv';

const suite = tabularSuite();
const STATES = [[], [0], [1, 2], [3, 0, 4]];

test('normalQuantile matches the standard normal table', () => {
  for (const [p, z] of [[0.5, 0], [0.975, 1.959963985], [0.95, 1.644853627], [0.995, 2.575829304], [0.001, -3.090232306], [1e-6, -4.753424309]]) {
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `Φ⁻¹(${p}) = ${normalQuantile(p)}, want ${z}`);
  }
  assert.throws(() => normalQuantile(1));
});

test('openContest: the leader and the candidates whose interval still reaches its lower bound', () => {
  const arms = [
    { score: 1, halfWidth: 0.5 }, // leader, lower bound 0.5
    { score: 0.2, halfWidth: 0.2 }, // reaches 0.4: out
    { score: 0.3, halfWidth: 0.25 }, // reaches 0.55: in
    { score: -Infinity, halfWidth: Infinity }, // cannot be chosen
    { score: 0.5, halfWidth: 0 }, // exact, reaches 0.5: in (ties count)
  ];
  assert.deepEqual(openContest(arms), { leader: 0, rivals: [2, 4] });
  assert.deepEqual(openContest([{ score: 0, halfWidth: 1 }]), { leader: 0, rivals: [] });
});

// Rounds of 64: the CLT behind "4 SE" needs that many draws of these skewed rewards (as the fixed-N tests use 256).
const SEQ = (seed: number, extra: object = {}) =>
  params({ topK: 6, rollouts: 256, horizon: 10, maxTokens: 10, seed, allocation: { kind: 'sequential', firstRound: 64, round: 64, confidence: 0.95 }, ...extra });

test('sequential allocation: every candidate\'s Q̂ (all its rounds) is within 4 SE of Q*, and rollouts go in rounds of the stated sizes, up to N', { timeout: 60_000 }, async () => {
  let checked = 0;
  let extra = 0;
  for (const state of STATES) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), SEQ(3)));
    assert.match(step.note ?? '', /sequential allocation: \d+ rollouts/);
    for (const c of step.candidates) {
      const exact = suite.exact.qStar(state, c.id);
      if (c.id === suite.world.eosId) {
        assert.equal(c.q, exact);
        continue;
      }
      const n = c.rollouts.length;
      assert.ok(n >= 64 && n <= 256 && n % 64 === 0, `[${state}] z=${c.id}: ${n} rollouts`);
      if (n > 64) extra++;
      if (state.length + 1 === suite.world.maxLength) continue;
      assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr} (n ${n})`);
      assert.equal(c.q, c.rollouts.reduce((a, r) => a + r.reward, 0) / n, 'Q̂ is the mean over all its rollouts');
      checked++;
    }
  }
  assert.ok(checked >= 15 && extra > 0, `${checked} candidates checked, ${extra} got later rounds`);
});

test('sequential allocation: the first round (fixed before any reward is seen) is an unbiased mean — over 40 seeds, within 4 SE of Q*', { timeout: 60_000 }, async () => {
  // Pooling over seeds: the mean of 40 first-round means per candidate, against Q*, in units of its own SE.
  const state = [0];
  const sums = new Map<number, number[]>();
  for (let seed = 1; seed <= 40; seed++) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), SEQ(seed, { allocation: { kind: 'sequential', firstRound: 4, round: 4, confidence: 0.9 }, rollouts: 32 })));
    for (const c of step.candidates) {
      if (c.id === suite.world.eosId) continue;
      const first = c.rollouts.slice(0, 4).map((r) => r.reward);
      sums.set(c.id, [...(sums.get(c.id) ?? []), ...first]);
    }
  }
  for (const [z, xs] of sums) {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
    const exact = suite.exact.qStar(state, z);
    assert.ok(Math.abs(m - exact) <= (4 * sd) / Math.sqrt(xs.length), `z=${z}: first-round mean ${m} Q* ${exact} SE ${sd / Math.sqrt(xs.length)}`);
  }
});

test('sequential allocation spends fewer rollouts than N per candidate and chooses the exact argmax about as often as N for all', { timeout: 120_000 }, async () => {
  // The exact greedy choice: argmax of log π_base + α·Q* (α = 1) over all six tokens.
  const exactChoice = (s: number[]) => {
    const pb = suite.dists.base(s);
    const ids = Array.from(pb.keys()).filter((z) => pb[z] > 0);
    return ids.reduce((b, z) => (Math.log(pb[z]) + suite.exact.qStar(s, z) > Math.log(pb[b]) + suite.exact.qStar(s, b) ? z : b));
  };
  let seqRollouts = 0;
  let fixedRollouts = 0;
  let seqRight = 0;
  let fixedRight = 0;
  for (let seed = 1; seed <= 16; seed++) {
    for (const state of STATES) {
      const base = { topK: 6, rollouts: 32, horizon: 10, maxTokens: 10, seed };
      const seq = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), params({ ...base, allocation: { kind: 'sequential', firstRound: 4, round: 4 } })));
      const fixed = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), params(base)));
      seqRollouts += seq.candidates.reduce((a, c) => a + c.rollouts.length, 0);
      fixedRollouts += fixed.candidates.reduce((a, c) => a + c.rollouts.length, 0);
      if (seq.chosen.id === exactChoice(state)) seqRight++;
      if (fixed.chosen.id === exactChoice(state)) fixedRight++;
    }
  }
  console.log(`sequential: ${seqRollouts} rollouts, exact choice ${seqRight}/64; fixed N: ${fixedRollouts}, ${fixedRight}/64`);
  assert.ok(seqRollouts < 0.8 * fixedRollouts, `sequential ${seqRollouts} rollouts against fixed ${fixedRollouts}`);
  // 64 decisions: a binomial SE of ≈ 4 right answers; allow two.
  assert.ok(seqRight >= fixedRight - 8, `exact choice: sequential ${seqRight}, fixed ${fixedRight} of 64`);
});

test('sequential allocation with sampling selection falls back to N per candidate, said once as a warning', async () => {
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 3, rollouts: 4, seed: 1, selection: 'sample', allocation: { kind: 'sequential' } }));
  assert.ok(r.warnings.some((w) => w.includes('allocation.kind')));
  assert.ok(r.steps[0].candidates.every((c) => c.id === suite.world.eosId || c.rollouts.length === 4));
});
