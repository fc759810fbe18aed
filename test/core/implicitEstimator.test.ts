// The implicit estimator: with the ideal baseline ρ*_r (tabular), β·log(ρ*(z|s)/π_base(z|s)) is the soft advantage exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, firstStep, indirectEnv, params, promptOf } from './tabularEnv';

// β ≠ 1, so that a value missing its β (or carrying 1/β) is caught.
const BETA = 0.5;
const suite = tabularSuite({ beta: BETA });
const STATES = [[], [0], [1, 2], [3, 0, 4], [4, 4, 1, 0]];
const P = (extra: object = {}) => params({ topK: 6, rollouts: 256, horizon: 10, maxTokens: 10, seed: 5, betaBaseline: BETA, estimator: 'implicit', ...extra });

/**
 * The soft (KL-regularised) values of the target ρ* ∝ π_base·exp(r/β):
 *   V_soft(s) = β·log E_{π_base}[exp(r/β) | s],   Q_soft(s, z) = β·log E_{π_base}[exp(r/β) | s, z]  (EOS: r(s)).
 * ρ*(z|s) = π_base(z|s)·exp((Q_soft(s,z) − V_soft(s))/β), so β·log(ρ* / π_base) = Q_soft − V_soft exactly.
 * Q_soft differs from the Q* that rollouts estimate (E_{ρ*}[r | s, z]) by β times the KL of ρ*'s
 * continuation: Q_soft(s,z) = Q*(s,z) − β·KL(ρ*(·|s,z) ‖ π_base(·|s,z)), also checked here.
 */
const vSoft = (s: number[]) => BETA * Math.log(suite.exact.expValue(s));
const qSoft = (s: number[], z: number) => (z === suite.world.eosId ? suite.rewardFn(s) : BETA * Math.log(suite.exact.expValue([...s, z])));

test('implicit estimator: Q̂ = β·log(ρ*(z|s)/π_base(z|s)) = Q_soft(s,z) − V_soft(s) exactly, for every candidate at several states', async () => {
  let n = 0;
  for (const state of STATES) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), P()));
    assert.equal(step.candidates.length, 6);
    for (const c of step.candidates) {
      const ratio = BETA * Math.log(suite.dists.rhoStarR(state)[c.id] / suite.dists.base(state)[c.id]);
      const soft = qSoft(state, c.id) - vSoft(state);
      assert.ok(Math.abs(ratio - soft) < 1e-9, `identity itself at [${state}] z=${c.id}: ${ratio} vs ${soft}`);
      assert.ok(Math.abs(c.q! - soft) < 1e-9, `[${state}] z=${c.id}: Q̂ ${c.q} vs Q_soft − V_soft ${soft}`);
      assert.equal(c.qStderr, 0);
      assert.equal(c.rollouts.length, 0, 'no rollouts');
      // How it relates to the rollouts' target Q* = E_{ρ*}[r]: Q_soft = Q* − β·KL of the continuation.
      if (c.id !== suite.world.eosId) {
        const cont = suite.exact.evaluate(suite.dists.rhoStarR, [...state, c.id]);
        assert.ok(Math.abs(cont.reward - suite.exact.qStar(state, c.id)) < 1e-9);
        assert.ok(Math.abs(qSoft(state, c.id) - (cont.reward - BETA * cont.kl)) < 1e-9, `[${state}] z=${c.id}: Q_soft = Q* − β·KL`);
      }
      n++;
    }
  }
  assert.equal(n, STATES.length * 6);
});

test('implicit estimator: with α·β_BL = 1 the step policy is ρ_BL itself over the candidates; no rollouts and no reward call per step', async () => {
  let rewardCalls = 0;
  const reward = { label: 'r', score: (pairs: { prompt: string; response: string }[], o?: { signal?: AbortSignal }) => (rewardCalls++, suite.reward.score(pairs, o)) };
  for (const state of STATES.slice(0, 4)) {
    rewardCalls = 0;
    const r = await decode('tqstar', { text: promptOf(suite, state) }, { ...directEnv(suite), reward }, P({ alpha: 1 / BETA, selection: 'sample' }));
    assert.ok(!r.error, r.error?.message);
    const step = firstStep(r);
    for (const c of step.candidates) assert.ok(Math.abs(c.selectProb - suite.dists.rhoStarR(state)[c.id]) < 1e-9, `[${state}] z=${c.id}: ${c.selectProb} vs ρ* ${suite.dists.rhoStarR(state)[c.id]}`);
    assert.equal(step.alpha, 1 / BETA);
    assert.equal(rewardCalls, 1, 'only the final answer is scored');
    for (const s of r.steps) assert.ok(s.requests <= 2, `step ${s.index}: ${s.requests} requests`);
  }
});

test('hybrid estimator: rollouts only for the contenders (best by implicit value), whose Q̂ is within 4 SE of Q*; the others are not chosen', async () => {
  let checked = 0;
  for (const state of STATES.slice(0, 4)) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, directEnv(suite), P({ estimator: 'hybrid', contenders: 3, alpha: 1 / BETA })));
    // With α = 1/β the implicit score log π_base + α·Q̂ is log ρ*: the contenders are ρ*'s top 3.
    const want = Array.from(suite.dists.rhoStarR(state).keys()).sort((a, b) => suite.dists.rhoStarR(state)[b] - suite.dists.rhoStarR(state)[a] || a - b).slice(0, 3);
    const withRollouts = step.candidates.filter((c) => c.q !== null).map((c) => c.id);
    assert.deepEqual(new Set(withRollouts), new Set(want), `[${state}]`);
    for (const c of step.candidates) {
      if (!want.includes(c.id)) {
        assert.equal(c.selectProb, 0);
        assert.equal(c.rollouts.length, 0);
        continue;
      }
      const exact = suite.exact.qStar(state, c.id);
      if (c.id === suite.world.eosId || c.qStderr === 0) assert.ok(Math.abs(c.q! - exact) < 1e-9);
      else {
        assert.equal(c.rollouts.length, 256);
        assert.ok(Math.abs(c.q! - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 6, `${checked} contenders checked`);
});

test('implicit and hybrid estimators are direct transfer: indirect transfer is a config error naming the setting', async () => {
  for (const estimator of ['implicit', 'hybrid'] as const) {
    const r = await decode('tqstar', { text: '' }, indirectEnv(suite), P({ estimator, transfer: 'indirect' }));
    assert.equal(r.error?.kind, 'config');
    assert.equal(r.error?.setting, 'tqstar.decoding.estimator');
  }
});
