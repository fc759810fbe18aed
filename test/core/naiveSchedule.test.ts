// The benchmark's reference schedule: one request per candidate/item/pair, never two in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, naiveEnv, type DecodeEnv, type LanguageModel } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';

const suite = tabularSuite();

test('naiveEnv: one request per prompt, item and pair, strictly sequential; same Q̂ for deterministic work', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const watch = (m: LanguageModel): LanguageModel => {
    const wrap = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A) => {
      calls++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await new Promise((r) => setImmediate(r));
        return await f(...a);
      } finally {
        inFlight--;
      }
    };
    return { label: m.label, eosId: m.eosId, nextTokens: wrap(m.nextTokens.bind(m)), sample: wrap(m.sample.bind(m)), score: wrap(m.score.bind(m)), encode: wrap(m.encode.bind(m)) };
  };
  const env: DecodeEnv = { ...directEnv(suite), base: watch(suite.base), baseline: watch(suite.rhoStarR) };
  const P = params({ topK: 4, rollouts: 2, maxTokens: 1, seed: 1, speed: { reuseRollouts: false } });
  const r = await decode('tqstar', { text: '' }, naiveEnv(env), P);
  assert.ok(!r.error, r.error?.message);
  assert.equal(maxInFlight, 1);
  const step = r.steps[0];
  // encode, next tokens, k scores, one sample per candidate with rollouts (maxTokens 1: none), k rewards + final.
  const k = step.candidates.length;
  assert.equal(calls, 1 + 1 + k);
  const batched = await decode('tqstar', { text: '' }, directEnv(suite), P);
  assert.deepEqual(step.candidates.map((c) => [c.id, c.logprobBase, c.q]), batched.steps[0].candidates.map((c) => [c.id, c.logprobBase, c.q]));
  // The core's meter counts the decoder's calls (encode, next tokens, score, reward), not the split requests.
  assert.equal(r.stats.requests, 4);
});
