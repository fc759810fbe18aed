// speed.extendReused: reused rollouts cut at the horizon are sampled to the full horizon; Q̂ then estimates the exact horizon-H value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type LanguageModel, type SampleRequest } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';

const suite = tabularSuite(); // words of length ≤ 5
const eos = suite.world.eosId;

/** E over τ ~ ρ*_r, at most h tokens, stopping at EOS, of r([state, τ]): the value a horizon-h rollout estimates (by enumeration). */
function valueH(state: number[], h: number): number {
  if (h === 0) return suite.rewardFn(state);
  const d = suite.dists.rhoStarR(state);
  let v = 0;
  for (let id = 0; id < d.length; id++) {
    if (!(d[id] > 0)) continue;
    v += d[id] * (id === eos ? suite.rewardFn(state) : valueH([...state, id], h - 1));
  }
  return v;
}

const H = 2;
const MAX = 6;

/** Q̂ − Q_H of every rollout-valued candidate after the first step (where reused rollouts are), over many sampled answers. */
async function laterErrors(extend: boolean) {
  const errs: number[] = [];
  let extendedSteps = 0;
  for (let seed = 0; seed < 80; seed++) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 32, horizon: H, maxTokens: MAX, selection: 'sample', seed, speed: { extendReused: extend } }));
    assert.ok(!r.error, r.error?.message);
    const state: number[] = [];
    for (const s of r.steps) {
      const horizon = Math.min(H, MAX - state.length - 1);
      if (s.note?.includes('speed.extendReused')) extendedSteps++;
      for (const c of s.candidates) {
        if (c.q === null || c.id === eos || c.rollouts.length === 0) continue;
        if (s.index > 0) errs.push(c.q - valueH([...state, c.id], horizon));
      }
      if (s.chosen.id !== eos) state.push(s.chosen.id);
    }
  }
  const m = errs.reduce((a, b) => a + b, 0) / errs.length;
  const se = Math.sqrt(errs.reduce((a, b) => a + (b - m) ** 2, 0) / (errs.length - 1) / errs.length);
  return { m, se, n: errs.length, extendedSteps };
}

test('extendReused: Q̂ at later steps is unbiased for the exact horizon-H value; without it the one-token-short reused rollouts show', async () => {
  const on = await laterErrors(true);
  assert.ok(on.extendedSteps > 20, `${on.extendedSteps} steps extended reused rollouts`);
  assert.ok(on.n > 500, `${on.n} candidates`);
  // Fresh and extended draws are both horizon-H draws from ρ*_r, so the mean error is 0 (4 SE: 6e-5 to fail by chance).
  assert.ok(Math.abs(on.m) <= 4 * on.se, `extended: mean Q̂ − Q_H = ${on.m} ± ${on.se} over ${on.n}`);
  // The same seeds without extension: reused rollouts look H − 1 ahead, and here Q_1 ≠ Q_2 by a lot.
  const off = await laterErrors(false);
  assert.equal(off.extendedSteps, 0);
  assert.ok(Math.abs(off.m) > 4 * off.se, `not extended: mean Q̂ − Q_H = ${off.m} ± ${off.se} (the bias this flag removes)`);
});

test('extendReused: the extension asks only the missing tokens, after the reused rollout, in a request beside the fresh rollouts', async () => {
  const reqs: SampleRequest[] = [];
  const m = suite.rhoStarR;
  const baseline: LanguageModel = { label: m.label, eosId: m.eosId, nextTokens: (a, k, o) => m.nextTokens(a, k, o), score: (q, o) => m.score(q, o), encode: (t) => m.encode(t), sample: (req, o) => (reqs.push(req), m.sample(req, o)) };
  const r = await decode('tqstar', { text: '' }, { ...directEnv(suite), baseline }, params({ topK: 4, rollouts: 4, horizon: H, maxTokens: MAX, seed: 3, speed: { extendReused: true } }));
  assert.ok(!r.error);
  const ext = reqs.filter((q) => q.maxTokens < H && q.n === 1 && q.prompts.every((p) => p.length > q.sharedPrefix!));
  assert.ok(ext.length > 0, 'some extension requests');
  for (const q of ext) assert.equal(q.maxTokens, 1, 'one token short, no block accepted: one token missing');
  const off = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, horizon: H, maxTokens: MAX, seed: 3 }));
  assert.ok(!off.steps.some((s) => s.note?.includes('speed.extendReused')), 'off by default');
});
