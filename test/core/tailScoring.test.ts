// A base with cheapTokenScoring scores all candidates in one request instead of the top-k lookup + scoring: the same decisions and values, one request less per step; in process and over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { decode, type DecodeEnv, type DecodeResult, type LanguageModel } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { tabularRunConfig } from '../../src/server/demoConfig';
import { startServer, type RunningServer } from '../../src/server/index';
import { directEnv, indirectEnv, params } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite({ maxLength: 6 });
const decided = (r: DecodeResult) => ({ tokens: r.tokens, reward: r.reward, candidates: r.steps.map((s) => s.candidates) });

/** The in-process base (exact scoring either way) with the flag set, and its calls counted per method. */
function cheapBase(m: LanguageModel, calls: { nextTokens: number; score: number }): LanguageModel {
  return {
    label: m.label,
    eosId: m.eosId,
    cheapTokenScoring: true,
    nextTokens: (...a) => (calls.nextTokens++, m.nextTokens(...a)),
    score: (...a) => (calls.score++, m.score(...a)),
    sample: (...a) => m.sample(...a),
    encode: (...a) => m.encode(...a),
  };
}

for (const [name, env, extra] of [
  ['direct', directEnv(suite), {}],
  ['indirect, implicit weights', indirectEnv(suite), { transfer: 'indirect' }],
  ['proposer union', directEnv(suite), { proposer: 'union' }],
] as const) {
  test(`cheapTokenScoring decides exactly what the top-k lookup and scoring every candidate decide (${name})`, async () => {
    for (const seed of [1, 2, 3]) {
      const P = (lookup: boolean) => params({ topK: 3, rollouts: 3, selection: 'sample', seed, ...extra, speed: { baseTopLookup: lookup } });
      const calls = { nextTokens: 0, score: 0 };
      const cheap = await decode('tqstar', { text: '' }, { ...env, base: cheapBase(env.base, calls) }, P(true));
      const lookup = await decode('tqstar', { text: '' }, env, P(true));
      const off = await decode('tqstar', { text: '' }, env, P(false));
      assert.ok(!cheap.error && !lookup.error && !off.error);
      assert.deepEqual(decided(cheap), decided(lookup), `seed ${seed}`);
      assert.deepEqual(decided(cheap), decided(off), `seed ${seed}`);
      if (name === 'direct') assert.equal(calls.nextTokens, 1, 'the base is asked its top-k only at the first step');
    }
  });
}

test('a step with known candidates asks the cheap base once (one score of every candidate), the lookup path twice when its top-k misses', async () => {
  const P = params({ topK: 3, rollouts: 2, selection: 'sample', seed: 4 });
  let base = 0;
  const counted = (m: LanguageModel, cheap: boolean): LanguageModel => ({
    label: m.label,
    eosId: m.eosId,
    ...(cheap ? { cheapTokenScoring: true } : {}),
    nextTokens: (...a) => (base++, m.nextTokens(...a)),
    score: (req, o) => {
      base++;
      // Every candidate of the step in one call: none of them is known from the base's top-k.
      if (cheap && req.items.length) assert.ok(req.items.every((it) => it.continuation.length === 1 && it.prompt === req.items[0]!.prompt));
      return m.score(req, o);
    },
    sample: (...a) => m.sample(...a),
    encode: (...a) => m.encode(...a),
  });
  for (const cheap of [true, false]) {
    const perStep: number[] = [];
    let last = 0;
    const r = await decode('tqstar', { text: '' }, { ...directEnv(suite), base: counted(suite.base, cheap) }, P, {
      onEvent: (e) => {
        if (e.type !== 'step') return;
        perStep.push(base - last);
        last = base;
      },
    });
    assert.ok(!r.error && r.steps.length > 2, r.error?.message);
    for (const [i, n] of perStep.entries()) {
      if (i === 0) continue;
      if (cheap) assert.equal(n, 1, `step ${i}: the base was asked ${n} times`);
      else assert.ok(n === 1 || n === 2, `step ${i}: ${n}`);
    }
    if (!cheap) assert.ok(perStep.slice(1).some((n) => n === 2), 'the lookup path needs two base requests when its top-k misses');
  }
});

test('cheapTokenScoring with speculation: a hit asks no base top-k (nor does the speculation), a miss keeps the lookup', async () => {
  let hits = 0;
  let misses = 0;
  let lookups = 0;
  for (const seed of [2, 3, 4]) {
    const calls = { nextTokens: 0, score: 0 };
    const r = await decode('tqstar', { text: '' }, { ...directEnv(suite), base: cheapBase(suite.base, calls) }, params({ topK: 3, rollouts: 3, seed, speed: { speculate: 2 } }));
    assert.ok(!r.error, r.error?.message);
    const hit = r.steps.slice(1).filter((s) => s.note?.includes('rollouts drawn ahead by speculation')).length;
    // A miss starts without candidates (speculating rollouts carry no top-k): today's path, the base's top-k beside the baseline's.
    assert.equal(calls.nextTokens, r.steps.length - hit, `seed ${seed}: the first step and each miss`);
    hits += hit;
    misses += r.steps.length - 1 - hit;
    lookups += calls.nextTokens;
  }
  assert.ok(hits > 0, `${hits} hits, ${misses} misses, ${lookups} base top-k requests`);
});

// Over HTTP: the reference server honours logprob_token_ids (the base scores on the tail), an "older vLLM" one ignores it.
const http = tabularOverHttp();
let oldServer: RunningServer;
let oldEnv: DecodeEnv;
let disposeOld: () => void = () => {};
before(async () => {
  oldServer = await startServer({ port: 0, quiet: true, logprobTokenIds: 'ignore' });
  const built = await buildEnv(loadRunConfig(tabularRunConfig(oldServer.url)));
  oldEnv = built.env;
  disposeOld = built.dispose;
});
after(async () => {
  disposeOld();
  await oldServer.close();
});

test('over HTTP (reference server): tail scoring, an older vLLM (fallback to the lookup and echo) and no lookup decide the same', { timeout: 90_000 }, async () => {
  assert.equal(http.env().base.cheapTokenScoring, true);
  for (const seed of [1, 2]) {
    const P = (lookup: boolean) => params({ topK: 3, rollouts: 3, selection: 'sample', seed, speed: { baseTopLookup: lookup } });
    const tail = await decode('tqstar', { text: '' }, http.env(), P(true));
    const old = await decode('tqstar', { text: '' }, oldEnv, P(true));
    const off = await decode('tqstar', { text: '' }, http.env(), P(false));
    for (const r of [tail, old, off]) assert.ok(!r.error, r.error?.message);
    assert.deepEqual(decided(tail), decided(old), `seed ${seed}`);
    assert.deepEqual(decided(tail), decided(off), `seed ${seed}`);
    // Known candidates cost one base request at each later step; speculation off, so ≤ 3 per step in all.
    for (const s of tail.steps.slice(1)) assert.ok(s.requests <= 3, `step ${s.index}: ${s.requests}`);
    assert.equal(tail.warnings.filter((w) => w.includes('logprob_token_ids')).length, 0);
  }
  assert.equal(oldEnv.base.cheapTokenScoring, false, 'the older server was detected');
  const old = await decode('tqstar', { text: '' }, oldEnv, params({ topK: 3, rollouts: 3, seed: 3 }));
  assert.equal(old.warnings.filter((w) => w.includes('did not answer logprob_token_ids')).length, 1, 'its warning reaches the run');
});
