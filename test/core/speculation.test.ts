// speed.speculate: the next step's rollouts drawn ahead for the likeliest next states; Q̂ at a hit is still an unbiased estimate of the exact Q*.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeEnv, type DecodeResult, type LanguageModel, type SampleRequest } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, indirectEnv, params } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite(); // maxLength 5: H = 8 sees every rollout to its end, so Q̂ estimates Q*_r itself
const eos = suite.world.eosId;
const isHit = (note?: string) => !!note?.includes('drawn ahead by speculation');

/** Q̂ − Q*_r of every rollout-valued candidate, split by whether its step was served by speculation. */
function errors(r: DecodeResult) {
  const state: number[] = [];
  const hit: number[] = [];
  const own: number[] = [];
  for (const s of r.steps) {
    for (const c of s.candidates) {
      if (c.q === null || c.id === eos || c.rollouts.length === 0) continue;
      (isHit(s.note) ? hit : own).push(c.q - suite.exact.qStar(state, c.id));
    }
    if (s.chosen.id !== eos) state.push(s.chosen.id);
    for (const t of s.accepted) state.push(t.id);
  }
  return { hit, own };
}

const meanSe = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { m, se: Math.sqrt(v / xs.length) };
};

test('speculation: Q̂ at hit steps is unbiased for the exact Q*_r, with N fresh rollouts per candidate', async () => {
  const hit: number[] = [];
  const own: number[] = [];
  let hitSteps = 0;
  let laterSteps = 0;
  for (let seed = 0; seed < 60; seed++) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 8, horizon: 8, maxTokens: 8, selection: 'sample', seed, speed: { speculate: 2 } }));
    assert.ok(!r.error, r.error?.message);
    const e = errors(r);
    hit.push(...e.hit);
    own.push(...e.own);
    laterSteps += r.steps.length - 1;
    for (const s of r.steps) {
      if (!isHit(s.note)) continue;
      hitSteps++;
      for (const c of s.candidates) if (c.id !== eos && c.q !== null) assert.equal(c.rollouts.length, 8, 'a hit gives every candidate N rollouts');
    }
    assert.ok(!isHit(r.steps[0]?.note), 'nothing is speculated before the first step');
  }
  assert.ok(hitSteps >= laterSteps / 2, `top-2 speculation hits at least half the later steps (${hitSteps} of ${laterSteps})`);
  assert.ok(hit.length >= 200, `${hit.length} candidates valued at hits`);
  const h = meanSe(hit);
  // With H ≥ the world's length, fresh draws from ρ*_r make Q̂ − Q*_r mean-zero; a 4-SE miss has probability 6e-5.
  assert.ok(Math.abs(h.m) <= 4 * h.se, `hit steps: mean Q̂ − Q* = ${h.m} ± ${h.se} over ${hit.length}`);
  const o = meanSe(own);
  assert.ok(Math.abs(o.m) <= 4 * o.se, `own steps: mean Q̂ − Q* = ${o.m} ± ${o.se} over ${own.length}`);
});

test('speculation at a hit with many rollouts: every candidate within 4 SE of Q*_r', async () => {
  let checked = 0;
  for (const seed of [1, 2, 3]) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 6, rollouts: 256, horizon: 8, maxTokens: 8, seed, speed: { speculate: 6 } }));
    assert.ok(!r.error, r.error?.message);
    const step = r.steps[1];
    assert.ok(step && isHit(step.note), 'speculating on all k candidates always hits');
    const state = r.steps[0].chosen.id === eos ? [] : [r.steps[0].chosen.id];
    for (const c of step.candidates) {
      if (c.id === eos || c.q === null) continue;
      const exact = suite.exact.qStar(state, c.id);
      assert.ok(Math.abs(c.q - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr}`);
      checked++;
    }
  }
  assert.ok(checked >= 9);
});

test('speculation: deterministic for a seed; a hit step sends no rollout request of its own', async () => {
  const calls: Array<{ step: number; req: SampleRequest }> = [];
  let step = 0;
  const baseline: LanguageModel = { ...suite.rhoStarR, label: 'ρ*', eosId: suite.rhoStarR.eosId, sample: (req, o) => (calls.push({ step, req }), suite.rhoStarR.sample(req, o)), nextTokens: (p, k, o) => suite.rhoStarR.nextTokens(p, k, o), score: (q, o) => suite.rhoStarR.score(q, o), encode: (t) => suite.rhoStarR.encode(t) };
  const env: DecodeEnv = { ...directEnv(suite), baseline };
  const P = params({ topK: 4, rollouts: 4, horizon: 8, selection: 'sample', seed: 7, speed: { speculate: 3 } });
  const a = await decode('tqstar', { text: '' }, env, P, { onEvent: (e) => e.type === 'step' && step++ });
  const b = await decode('tqstar', { text: '' }, directEnv(suite), P);
  assert.deepEqual(a.steps.map((s) => s.candidates), b.steps.map((s) => s.candidates));
  const hits = a.steps.filter((s) => isHit(s.note));
  assert.ok(hits.length > 0);
  for (const s of hits) {
    // The only rollout request sent while a hit step ran is its own speculation for the step after.
    const during = calls.filter((c) => c.step === s.index);
    assert.ok(during.length <= 1, `step ${s.index}: ${during.length} rollout requests`);
  }
});

test('speculation with indirect transfer and with CD decodes with weights and values', async () => {
  const ind = await decode('tqstar', { text: '' }, indirectEnv(suite), params({ topK: 4, rollouts: 4, transfer: 'indirect', seed: 2, speed: { speculate: 2 } }));
  assert.ok(!ind.error, ind.error?.message);
  assert.ok(ind.steps.some((s) => isHit(s.note)));
  for (const s of ind.steps) for (const c of s.candidates) if (c.id !== eos && c.rollouts.length) assert.ok(c.rollouts.every((r) => typeof r.weight === 'number'));
  const cd = await decode('cd', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, seed: 2, speed: { speculate: 2 } }));
  assert.ok(!cd.error, cd.error?.message);
  assert.ok(cd.steps.some((s) => isHit(s.note)));
  assert.equal(cd.reward, suite.rewardFn(cd.tokens.map((t) => t.id)));
});

const http = tabularOverHttp();

test('over HTTP (reference server): speculation hits, and the run leaves no request behind', { timeout: 60_000 }, async () => {
  const r = await decode('tqstar', { text: '' }, http.env(), params({ topK: 4, rollouts: 4, horizon: 8, seed: 3, speed: { speculate: 2 } }));
  assert.ok(!r.error, r.error?.message);
  assert.ok(r.steps.some((s) => isHit(s.note)));
  assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
  const served = http.server().stats().requests;
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(http.server().stats().requests, served, 'nothing still arriving after the run ended');
});

test('a failed speculative request costs only the head start: the step draws its own rollouts and the run ends well', async () => {
  let samples = 0;
  const m = suite.rhoStarR;
  // The second sample call of the run is step 0's speculation for step 1.
  const flaky: LanguageModel = { label: 'flaky ρ*', eosId: m.eosId, nextTokens: (p, k, o) => m.nextTokens(p, k, o), score: (q, o) => m.score(q, o), encode: (t) => m.encode(t),
    sample: async (req, o) => {
      if (++samples === 2) throw new Error('connection reset (test)');
      return m.sample(req, o);
    } };
  const r = await decode('tqstar', { text: '' }, { ...directEnv(suite), baseline: flaky }, params({ topK: 4, rollouts: 4, horizon: 8, seed: 4, speed: { speculate: 4 } }));
  assert.ok(!r.error, r.error?.message);
  assert.ok(r.steps.length > 2);
  assert.match(r.steps[1].note ?? '', /speculation failed/);
  for (const c of r.steps[1].candidates) if (c.id !== eos && c.q !== null) assert.equal(c.rollouts.length, 4);
  assert.ok(r.steps.slice(2).some((s) => isHit(s.note)), 'later speculations still hit');
  assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
});

test('a cancel while speculative requests are in flight ends the run as aborted, with nothing left unhandled', async () => {
  const ctl = new AbortController();
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, horizon: 8, maxTokens: 8, seed: 5, speed: { speculate: 2 } }), {
    signal: ctl.signal,
    onEvent: (e) => e.type === 'step' && e.step.index === 1 && ctl.abort(),
  });
  assert.equal(r.finish, 'aborted');
  assert.equal(r.tokens.length, 2);
});
