// speed.speculateDepth 2: rollouts drawn two steps ahead; Q̂ at a depth-2 hit is still unbiased for the exact Q*_r, and the run stays valid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type CallOptions, type DecodeEnv, type DecodeResult, type LanguageModel, type RewardSource } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, indirectEnv, params } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite(); // maxLength 5: H = 8 sees every rollout to its end, so Q̂ estimates Q*_r itself
const eos = suite.world.eosId;
const depth2 = (note?: string) => !!note?.includes('drawn ahead by speculation two steps before');
const depth1 = (note?: string) => !!note?.includes('drawn ahead by speculation') && !depth2(note);
const SPEC2 = { speculate: 2, speculateDepth: 2 } as const;

/** Q̂ − Q*_r of every rollout-valued candidate, by how its step got its rollouts. */
function errors(r: DecodeResult) {
  const out = { d2: [] as number[], d1: [] as number[], own: [] as number[] };
  const state: number[] = [];
  for (const s of r.steps) {
    const into = depth2(s.note) ? out.d2 : depth1(s.note) ? out.d1 : out.own;
    for (const c of s.candidates) {
      if (c.q === null || c.id === eos || c.rollouts.length === 0) continue;
      into.push(c.q - suite.exact.qStar(state, c.id));
    }
    if (s.chosen.id !== eos) state.push(s.chosen.id);
    for (const t of s.accepted) state.push(t.id);
  }
  return out;
}

const meanSe = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { m, se: Math.sqrt(v / xs.length) };
};

/**
 * The models and rewards with every call counted: how many started, how many are still unsettled, and
 * how many started after `closed` was set (a leaked speculation would start or stay in flight after the run).
 */
function counting(env: DecodeEnv) {
  const c = { calls: 0, inFlight: 0, afterClose: 0, closed: false, samples: [] as Array<{ step: number; promptLen: number }>, step: 0 };
  const track = <T>(p: () => Promise<T>): Promise<T> => {
    c.calls++;
    if (c.closed) c.afterClose++;
    c.inFlight++;
    let out: Promise<T>;
    try {
      out = p();
    } catch (e) {
      out = Promise.reject(e);
    }
    return out.finally(() => c.inFlight--);
  };
  const model = (m: LanguageModel): LanguageModel => ({
    label: m.label,
    eosId: m.eosId,
    nextTokens: (p, k, o?: CallOptions) => track(() => m.nextTokens(p, k, o)),
    score: (q, o) => track(() => m.score(q, o)),
    encode: (t, o) => track(() => m.encode(t, o)),
    sample: (req, o) => {
      for (const p of req.prompts) c.samples.push({ step: c.step, promptLen: p.length });
      return track(() => m.sample(req, o));
    },
  });
  const reward = (r: RewardSource): RewardSource => ({ label: r.label, score: (p, o) => track(() => r.score(p, o)) });
  const wrapped: DecodeEnv = { base: model(env.base), baseline: model(env.baseline), reward: reward(env.reward), ...(env.baselineReward ? { baselineReward: reward(env.baselineReward) } : {}) };
  return { c, env: wrapped };
}

/** Lets aborted in-process calls settle (they reject on their next await). */
const settle = () => new Promise((res) => setTimeout(res, 20));

test('depth 2: Q̂ at depth-2 hits is unbiased for the exact Q*_r, with N fresh rollouts per candidate', async () => {
  const e = { d2: [] as number[], d1: [] as number[], own: [] as number[] };
  let d2Steps = 0;
  for (let seed = 0; seed < 80; seed++) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 8, horizon: 8, maxTokens: 8, selection: 'sample', seed, speed: SPEC2 }));
    assert.ok(!r.error, r.error?.message);
    const x = errors(r);
    e.d2.push(...x.d2);
    e.d1.push(...x.d1);
    e.own.push(...x.own);
    r.steps.forEach((s, i) => {
      if (!depth2(s.note)) return;
      assert.ok(i >= 2, 'nothing is speculated two ahead before the third step');
      d2Steps++;
      for (const c of s.candidates) if (c.id !== eos && c.q !== null) assert.equal(c.rollouts.length, 8, 'a depth-2 hit gives every candidate N rollouts');
    });
  }
  assert.ok(d2Steps >= 80, `${d2Steps} steps served two steps ahead`);
  assert.ok(e.d2.length >= 200, `${e.d2.length} candidates valued at depth-2 hits`);
  // With H ≥ the world's length, fresh draws from ρ*_r make Q̂ − Q*_r mean-zero; a 4-SE miss has probability 6e-5.
  for (const [name, xs] of Object.entries(e)) {
    const { m, se } = meanSe(xs);
    assert.ok(Math.abs(m) <= 4 * se, `${name}: mean Q̂ − Q* = ${m} ± ${se} over ${xs.length}`);
  }
});

test('depth 2 with many rollouts: every candidate at a depth-2 hit within 4 SE of Q*_r', async () => {
  let checked = 0;
  let runs = 0;
  for (let seed = 1; seed <= 12 && runs < 3; seed++) {
    const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 256, horizon: 8, maxTokens: 8, seed, speed: { speculate: 4, speculateDepth: 2 } }));
    assert.ok(!r.error, r.error?.message);
    if (r.steps.length < 3 || r.steps[0].chosen.id === eos || r.steps[1].chosen.id === eos) continue;
    runs++;
    const step = r.steps[2];
    // Speculating on all k candidates at both depths always hits; greedy choices make step 2 a depth-2 hit.
    assert.ok(depth2(step.note), `seed ${seed}: step 2 note ${step.note}`);
    const state = [r.steps[0].chosen.id, r.steps[1].chosen.id];
    for (const c of step.candidates) {
      if (c.id === eos || c.q === null) continue;
      const exact = suite.exact.qStar(state, c.id);
      assert.ok(Math.abs(c.q - exact) <= 4 * c.qStderr!, `[${state}] z=${c.id}: Q̂ ${c.q} Q* ${exact} SE ${c.qStderr}`);
      checked++;
    }
  }
  assert.equal(runs, 3);
  assert.ok(checked >= 6, `${checked} candidates checked`);
});

test('depth 2: deterministic for a seed; every request metered; a depth-2 hit sends no rollouts of its own; nothing in flight after the run', async () => {
  const P = params({ topK: 4, rollouts: 4, horizon: 8, maxTokens: 8, selection: 'sample', seed: 7, speed: SPEC2 });
  for (const seed of [7, 8, 9]) {
    const { c, env } = counting(directEnv(suite));
    const a = await decode('tqstar', { text: '' }, env, { ...P, seed }, { onEvent: (e) => e.type === 'step' && c.step++ });
    c.closed = true;
    const b = await decode('tqstar', { text: '' }, directEnv(suite), { ...P, seed });
    assert.ok(!a.error, a.error?.message);
    assert.deepEqual(a.steps.map((s) => s.candidates), b.steps.map((s) => s.candidates));
    assert.equal(a.stats.requests, c.calls, 'the meter counts every call, speculative ones included');
    await settle();
    assert.equal(c.afterClose, 0, 'no call starts after the run');
    assert.equal(c.inFlight, 0, 'no call still in flight after the run');
    let stateLen = 1; // BOS
    for (const s of a.steps) {
      // A step's own rollouts start at [s_t, z]; speculated ones at [s_t, z, z'] or deeper.
      if (depth2(s.note)) assert.equal(c.samples.filter((x) => x.step === s.index && x.promptLen === stateLen + 1).length, 0, `step ${s.index} drew its own rollouts`);
      stateLen += (s.chosen.id === eos ? 0 : 1) + s.accepted.length;
    }
  }
});

test('depth 2 with the fast flags, with indirect transfer and with CD: valid runs', async () => {
  const fast = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, seed: 3, speed: { ...SPEC2, skipMass: 0.9, coverMass: 0.9, blockAccept: 2, blockMargin: 0.5 } }));
  assert.ok(!fast.error, fast.error?.message);
  assert.equal(fast.reward, suite.rewardFn(fast.tokens.map((t) => t.id)));
  const ind = await decode('tqstar', { text: '' }, indirectEnv(suite), params({ topK: 4, rollouts: 4, transfer: 'indirect', seed: 2, speed: SPEC2 }));
  assert.ok(!ind.error, ind.error?.message);
  for (const s of ind.steps) for (const c of s.candidates) if (c.id !== eos && c.rollouts.length) assert.ok(c.rollouts.every((r) => typeof r.weight === 'number'));
  let cdHits = 0;
  for (const seed of [2, 3, 4, 5]) {
    const cd = await decode('cd', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, seed, speed: SPEC2 }));
    assert.ok(!cd.error, cd.error?.message);
    assert.equal(cd.reward, suite.rewardFn(cd.tokens.map((t) => t.id)));
    cdHits += cd.steps.filter((s) => depth2(s.note)).length;
  }
  assert.ok(cdHits > 0, 'CD hits two ahead too');
});

test('depth 2: a budget too small for the speculation ends the run with a budget error naming the setting, and nothing left in flight', async () => {
  const { c, env } = counting(directEnv(suite));
  const r = await decode('tqstar', { text: '' }, env, params({ topK: 4, rollouts: 8, horizon: 8, maxTokens: 8, seed: 1, budget: { maxModelTokens: 400 }, speed: SPEC2 }));
  c.closed = true;
  assert.equal(r.finish, 'error');
  assert.equal(r.error?.kind, 'budget');
  assert.match(r.error?.message ?? '', /maxModelTokens/);
  assert.ok(r.stats.modelTokens <= 400, `${r.stats.modelTokens} model tokens`);
  await settle();
  assert.equal(c.afterClose, 0);
  assert.equal(c.inFlight, 0);
});

test('depth 2: a cancel while speculations two ahead are in flight ends the run as aborted, with nothing left in flight', async () => {
  const ctl = new AbortController();
  const { c, env } = counting(directEnv(suite));
  const r = await decode('tqstar', { text: '' }, env, params({ topK: 4, rollouts: 4, horizon: 8, maxTokens: 8, seed: 5, speed: SPEC2 }), {
    signal: ctl.signal,
    onEvent: (e) => e.type === 'step' && e.step.index === 1 && ctl.abort(),
  });
  c.closed = true;
  assert.equal(r.finish, 'aborted');
  assert.equal(r.tokens.length, 2);
  await settle();
  assert.equal(c.afterClose, 0);
  assert.equal(c.inFlight, 0);
});

const http = tabularOverHttp();

test('over HTTP (reference server): depth-2 hits, exact final reward, and every request the server saw was sent and counted during the run', { timeout: 60_000 }, async () => {
  let hits = 0;
  for (const seed of [3, 4]) {
    const before = http.server().stats().requests;
    const r = await decode('tqstar', { text: '' }, http.env(), params({ topK: 4, rollouts: 4, horizon: 8, seed, speed: { ...SPEC2, speculate: 3 } }));
    assert.ok(!r.error, r.error?.message);
    assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
    hits += r.steps.filter((s) => depth2(s.note)).length;
    // Cancelled speculations may still reach this loaded server's handler a few ms after the run returns
    // (their bytes were on the socket), or never (aborted while their connection was still opening; the run
    // counted them when it sent them), so the check is that nothing arrived that the run did not count.
    await new Promise((res) => setTimeout(res, 200));
    const seen = http.server().stats().requests - before;
    assert.ok(seen > 0 && seen <= r.stats.requests, `the server saw ${seen} requests, the run counted ${r.stats.requests}: none uncounted`);
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(http.server().stats().requests - before, seen, 'nothing sent after the run ended');
  }
  assert.ok(hits > 0, 'hits two ahead over HTTP');
});
