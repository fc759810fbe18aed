// Work per step that does not grow with the answer: log π_base from the base's own top-k (only the rest scored), and the reward cache keyed by suffix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeResult, type LanguageModel, type RewardSource, type ScoreRequest } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, indirectEnv, params } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite({ maxLength: 6 });
const decided = (r: DecodeResult) => ({ tokens: r.tokens, reward: r.reward, candidates: r.steps.map((s) => s.candidates) });

for (const [name, env, extra] of [
  ['direct', directEnv(suite), {}],
  ['indirect, implicit weights', indirectEnv(suite), { transfer: 'indirect' }],
  ['proposer union', directEnv(suite), { proposer: 'union' }],
] as const) {
  test(`baseTopLookup decides exactly what scoring every candidate decides (${name})`, async () => {
    for (const seed of [1, 2, 3]) {
      const P = (lookup: boolean) => params({ topK: 3, rollouts: 3, selection: 'sample', seed, ...extra, speed: { baseTopLookup: lookup } });
      const on = await decode('tqstar', { text: '' }, env, P(true));
      const off = await decode('tqstar', { text: '' }, env, P(false));
      assert.ok(!on.error && !off.error);
      assert.deepEqual(decided(on), decided(off), `seed ${seed}`);
    }
  });
}

test('only candidates outside the base top-k at s_t are scored, and such a step costs one request more', async () => {
  const scored: ScoreRequest[] = [];
  let calls = 0;
  const base: LanguageModel = {
    ...suite.base,
    label: suite.base.label,
    eosId: suite.base.eosId,
    nextTokens: (...a) => (calls++, suite.base.nextTokens(...a)),
    sample: (...a) => (calls++, suite.base.sample(...a)),
    // A copy: the decoder's state array grows after the call.
    score: (req, o) => (calls++, scored.push({ ...req, items: req.items.map((it) => ({ prompt: [...it.prompt], continuation: [...it.continuation] })) }), suite.base.score(req, o)),
    encode: (...a) => (calls++, suite.base.encode(...a)),
  };
  const count = (m: LanguageModel): LanguageModel => ({ ...m, label: m.label, eosId: m.eosId, nextTokens: (...a) => (calls++, m.nextTokens(...a)), sample: (...a) => (calls++, m.sample(...a)) });
  const reward: RewardSource = { label: 'r', score: (...a) => (calls++, suite.reward.score(...a)) };
  let missSteps = 0;
  let steps = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    let last = 0;
    let scoredBefore = 0;
    const r = await decode('tqstar', { text: '' }, { base, baseline: count(suite.rhoStarR), reward }, params({ topK: 3, rollouts: 2, seed, selection: 'sample' }), {
      onEvent: (e) => {
        if (e.type !== 'step') return;
        const n = calls - last;
        const misses = scored.length - scoredBefore;
        last = calls;
        scoredBefore = scored.length;
        if (e.step.index === 0) return;
        steps++;
        if (misses) missSteps++;
        assert.ok(n <= 3 + misses, `step ${e.step.index}: ${n} requests, ${misses} scoring calls`);
      },
    });
    assert.ok(!r.error, r.error?.message);
  }
  for (const req of scored) {
    for (const item of req.items) {
      assert.equal(item.continuation.length, 1);
      const [top] = await suite.base.nextTokens([item.prompt], 3);
      assert.ok(!top.some((t) => t.id === item.continuation[0]), `token ${item.continuation[0]} is in the base top-3, yet it was scored`);
    }
    assert.equal(req.sharedPrefix, req.items[0].prompt.length);
  }
  assert.ok(scored.length > 0 && missSteps < steps, `both kinds of step occur (${missSteps} of ${steps} steps scored)`);
});

test('the reward cache follows the state: ARGS never sends the same text twice though each step asks r(x, y<t) again', async () => {
  const sent: string[] = [];
  const reward: RewardSource = { label: 'r', score: (pairs, o) => (sent.push(...pairs.map((p) => p.response)), suite.reward.score(pairs, o)) };
  for (const seed of [1, 2, 3]) {
    sent.length = 0;
    const r = await decode('args', { text: '' }, { ...directEnv(suite), reward }, params({ topK: 4, seed, selection: 'sample' }));
    assert.ok(!r.error && r.steps.length > 1);
    assert.equal(new Set(sent).size, sent.length, `seed ${seed}: ${sent.length} texts sent, ${new Set(sent).size} distinct`);
    assert.equal(r.reward, suite.rewardFn(r.tokens.map((t) => t.id)));
    // Every later step's EOS candidate was valued from the cache with the previous step's text.
    for (const s of r.steps.slice(1)) {
      const eos = s.candidates.find((c) => c.id === suite.world.eosId);
      if (eos) assert.equal(eos.q, suite.rewardFn(r.tokens.slice(0, s.index).map((t) => t.id)));
    }
  }
});

const http = tabularOverHttp();

test('over HTTP (reference server): baseTopLookup gives the same log π_base and the same decisions', { timeout: 60_000 }, async () => {
  for (const seed of [1, 2]) {
    const P = (lookup: boolean) => params({ topK: 3, rollouts: 3, selection: 'sample', seed, speed: { baseTopLookup: lookup } });
    const on = await decode('tqstar', { text: '' }, http.env(), P(true));
    const off = await decode('tqstar', { text: '' }, http.env(), P(false));
    assert.ok(!on.error && !off.error, on.error?.message ?? off.error?.message);
    assert.deepEqual(decided(on), decided(off), `seed ${seed}`);
  }
});
