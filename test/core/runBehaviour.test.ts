// The decoding loop's contract: cancellation, determinism, budget limits, failures as partial results, request economy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, runStrategies, TqError, type DecodeEnv, type LanguageModel, type RewardSource, type StrategyName } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, indirectEnv, params } from './tabularEnv';

const suite = tabularSuite({ maxLength: 6 });
const ALL: StrategyName[] = ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'greedy', 'sample', 'baseline'];

/** Counts every call that reaches the models and rewards, independently of the core's own meter. */
function counting(env: DecodeEnv) {
  const count = { n: 0 };
  const model = (m: LanguageModel): LanguageModel => ({
    label: m.label,
    eosId: m.eosId,
    nextTokens: (...a) => (count.n++, m.nextTokens(...a)),
    sample: (...a) => (count.n++, m.sample(...a)),
    score: (...a) => (count.n++, m.score(...a)),
    encode: (...a) => (count.n++, m.encode(...a)),
  });
  const reward = (r: RewardSource): RewardSource => ({ label: r.label, score: (...a) => (count.n++, r.score(...a)) });
  return {
    count,
    env: { base: model(env.base), baseline: model(env.baseline), reward: reward(env.reward), ...(env.baselineReward ? { baselineReward: reward(env.baselineReward) } : {}) },
  };
}

test('every strategy decodes the tabular world to EOS and ranks by reward', async () => {
  const r = await runStrategies(ALL, { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, seed: 3 }));
  assert.equal(r.results.length, ALL.length);
  for (const x of r.results) {
    assert.equal(x.finish, 'eos', `${x.strategy}: ${x.error?.message}`);
    assert.equal(x.reward, suite.rewardFn(x.tokens.map((t) => t.id)), `${x.strategy}: reward is r of its text`);
    assert.equal(x.text, x.tokens.map((t) => t.text).join(''));
  }
  for (let i = 1; i < r.results.length; i++) assert.ok(r.results[i - 1].reward! >= r.results[i].reward!);
});

test('the same seed gives the same output; another seed may differ', async () => {
  const P = (seed: number) => params({ topK: 4, rollouts: 3, selection: 'sample', seed });
  for (const s of ALL) {
    const a = await decode(s, { text: 'a' }, directEnv(suite), P(5));
    const b = await decode(s, { text: 'a' }, directEnv(suite), P(5));
    assert.deepEqual(a.tokens, b.tokens, s);
    assert.deepEqual(a.steps.map((x) => x.candidates), b.steps.map((x) => x.candidates), s);
  }
  const texts = new Set<string>();
  for (let seed = 0; seed < 10; seed++) texts.add((await decode('tqstar', { text: '' }, directEnv(suite), P(seed))).text);
  assert.ok(texts.size > 1, 'sampling mode depends on the seed');
});

test('cancellation mid-run returns the partial result with reason and its reward', async () => {
  const ctl = new AbortController();
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 2, maxTokens: 10 }), {
    signal: ctl.signal,
    onEvent: (e) => e.type === 'step' && e.step.index === 1 && ctl.abort(),
  });
  assert.equal(r.finish, 'aborted');
  assert.equal(r.error?.kind, 'aborted');
  assert.equal(r.tokens.length, 2);
  assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
});

test('cancellation before the start and inside a model call', async () => {
  const ctl = new AbortController();
  ctl.abort();
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({}), { signal: ctl.signal });
  assert.equal(r.finish, 'aborted');
  assert.equal(r.steps.length, 0);
  const ctl2 = new AbortController();
  const slow: DecodeEnv = {
    ...directEnv(suite),
    baseline: { ...suite.rhoStarR, label: 'slow', eosId: suite.world.eosId, nextTokens: (p, k, o) => suite.rhoStarR.nextTokens(p, k, o), encode: (t) => suite.rhoStarR.encode(t),
      score: (q, o) => suite.rhoStarR.score(q, o),
      sample: (req, o) => new Promise((_, reject) => o?.signal?.addEventListener('abort', () => reject(new TqError('aborted', 'Cancelled.')))) },
  };
  const pending = decode('tqstar', { text: '' }, slow, params({ topK: 3 }), { signal: ctl2.signal });
  setTimeout(() => ctl2.abort(), 20);
  const r2 = await pending;
  assert.equal(r2.finish, 'aborted');
  assert.equal(r2.tokens.length, 0);
});

test('budget: maxRequests and maxModelTokens end the run with error kind "budget" naming the setting, keeping the partial result', async () => {
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, budget: { maxRequests: 9 } }));
  assert.equal(r.finish, 'error');
  assert.equal(r.error?.kind, 'budget');
  assert.equal(r.error?.setting, 'tqstar.decoding.budget.maxRequests');
  assert.ok(r.tokens.length >= 1, 'steps before the limit are kept');
  assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
  const whole = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4 }));
  const t = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, budget: { maxModelTokens: Math.floor(whole.stats.modelTokens / 2) } }));
  assert.equal(t.error?.kind, 'budget');
  assert.equal(t.error?.setting, 'tqstar.decoding.budget.maxModelTokens');
});

test('a server failure mid-run is a partial result with the error, never a throw', async () => {
  let calls = 0;
  const failing: DecodeEnv = {
    ...directEnv(suite),
    reward: {
      label: 'flaky',
      score: async (pairs, o) => {
        if (++calls === 3) throw new TqError('connection', 'connect ECONNREFUSED', { url: 'http://127.0.0.1:9/pooling', setting: 'tqstar.reward' });
        return suite.reward.score(pairs, o);
      },
    },
  };
  const r = await decode('tqstar', { text: '' }, failing, params({ topK: 3, rollouts: 2 }));
  assert.equal(r.finish, 'error');
  assert.deepEqual(r.error, { kind: 'connection', message: 'connect ECONNREFUSED', url: 'http://127.0.0.1:9/pooling', setting: 'tqstar.reward' });
  assert.equal(r.steps.length, 2);
  assert.notEqual(r.reward, null, 'the partial text is still scored');
});

for (const [name, env, extra, max] of [
  ['direct', directEnv(suite), {}, 3],
  ['indirect, implicit weights', indirectEnv(suite), { transfer: 'indirect' }, 4],
  ['indirect, baseline reward', indirectEnv(suite), { transfer: 'indirect', indirectWeights: 'baseline-reward' }, 4],
] as const) {
  test(`requests per step, counted at the models: ≤ ${max} after the first step (${name})`, async () => {
    let steps = 0;
    for (const seed of [1, 2, 3, 4]) {
      const { env: counted, count } = counting(env);
      const perStep: number[] = [];
      let last = 0;
      // The schedule before speed.baseTopLookup (on by default, one request more when the base's top-k misses a candidate: see stepEconomy.test.ts).
      const r = await decode('tqstar', { text: '' }, counted, params({ topK: 5, rollouts: 4, horizon: 20, seed, ...extra, speed: { baseTopLookup: false } }), {
        onEvent: (e) => {
          if (e.type !== 'step') return;
          perStep.push(count.n - last);
          last = count.n;
          assert.equal(e.step.requests, perStep.at(-1)! - (e.step.index === 0 ? 1 : 0), 'diagnostics count the same requests (the first step also paid for encode)');
        },
      });
      assert.ok(!r.error, r.error?.message);
      perStep.slice(1).forEach((n, i) => assert.ok(n <= max, `step ${i + 1}: ${n} requests`));
      steps += perStep.length - 1;
    }
    assert.ok(steps >= 4, 'enough steps after the first to mean something');
  });
}

test('without reuse a direct step costs 4 requests: next tokens, score, sample, reward', async () => {
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 2, speed: { reuseRollouts: false, baseTopLookup: false } }));
  assert.ok(r.steps.length > 1);
  for (const s of r.steps.slice(1)) assert.equal(s.requests, 4);
});

test('reused rollouts: after the first step fewer fresh rollout tokens are generated than k·N would need', async () => {
  const P = (reuse: boolean) => params({ topK: 5, rollouts: 8, seed: 9, speed: { reuseRollouts: reuse } });
  const a = await decode('tqstar', { text: '' }, directEnv(suite), P(true));
  const b = await decode('tqstar', { text: '' }, directEnv(suite), P(false));
  assert.ok(a.stats.modelTokens < b.stats.modelTokens, `${a.stats.modelTokens} < ${b.stats.modelTokens}`);
  for (const s of a.steps) for (const c of s.candidates) if (c.id !== suite.world.eosId && c.q !== null) assert.ok(c.rollouts.length === 8 || c.qStderr === 0);
});

test('speed flags: skipMass skips rollouts with a note, coverMass shrinks k, blockAccept commits tokens of the best rollout', async () => {
  const skip = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, speed: { skipMass: 0.4 } }));
  const skipped = skip.steps.filter((s) => s.note?.includes('skipMass'));
  assert.ok(skipped.length > 0);
  for (const s of skipped) assert.ok(s.candidates.every((c) => c.rollouts.length === 0 && c.q === null));
  const cover = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 6, speed: { coverMass: 0.5 } }));
  assert.ok(cover.steps.some((s) => s.candidates.length < 6 && s.note?.includes('coverMass')));
  const block = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, alpha: 3, speed: { blockAccept: 3, blockMargin: 0.5 } }));
  assert.ok(block.steps.some((s) => s.accepted.length > 0));
  assert.equal(block.tokens.length, block.steps.reduce((n, s) => n + (s.chosen.id === suite.world.eosId ? 0 : 1) + s.accepted.length, 0));
  assert.equal(block.reward, suite.rewardFn(block.tokens.map((t) => t.id)));
});

test('stop sequences and maxTokens end the response', async () => {
  const r = await decode('greedy', { text: '' }, directEnv(suite), params({ maxTokens: 2 }));
  assert.equal(r.finish, 'maxTokens');
  assert.equal(r.tokens.length, 2);
  const full = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 3, seed: 1 }));
  const stopWord = full.tokens[1].text.trim();
  const s = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 3, seed: 1, stop: [stopWord] }));
  assert.equal(s.finish, 'stop');
  assert.ok(!s.text.includes(stopWord));
});

test('a rollout temperature other than 1 is reported as a biased estimator, once, naming the setting', async () => {
  const events: string[] = [];
  const r = await decode('tqstar', { text: '' }, indirectEnv(suite), params({ topK: 3, rollouts: 2, rolloutTemperature: 0.7, transfer: 'indirect' }), {
    onEvent: (e) => e.type === 'warning' && events.push(e.message),
  });
  assert.equal(r.warnings.length, 2);
  assert.deepEqual(events, r.warnings);
  assert.match(r.warnings[0], /tqstar\.decoding\.rolloutTemperature/);
  assert.match(r.warnings[1], /implicit importance weights/);
  const plain = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 3, rollouts: 2 }));
  assert.deepEqual(plain.warnings, []);
});
