// The TQ*/CD step asks for top-k only where carryFrom reads it, and decodes the same when a backend drops the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeEnv, type LanguageModel, type StrategyName } from '../../src/core/index';
import type { Completion, SampleRequest } from '../../src/core/model';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';

const suite = tabularSuite({ maxLength: 6 });

/** A backend that honours topLogprobsPositions strictly: no top-k list at all beyond it (the worst case the contract allows). */
function strict(m: LanguageModel, seen: SampleRequest[]): LanguageModel {
  const cut = (c: Completion, p: number): Completion => {
    const tokens = c.tokens.map((t, i) => {
      if (i < p) return t;
      const { top: _dropped, ...rest } = t;
      return rest;
    });
    const { eosTop, ...rest } = c;
    return { ...rest, tokens, ...(eosTop && c.tokens.length < p ? { eosTop } : {}) };
  };
  return {
    label: m.label,
    eosId: m.eosId,
    nextTokens: (...a) => m.nextTokens(...a),
    score: (...a) => m.score(...a),
    encode: (...a) => m.encode(...a),
    sample: async (req, opts) => {
      seen.push(req);
      const res = await m.sample(req, opts);
      const p = req.topLogprobsPositions;
      return p === undefined ? res : res.map((row) => row.map((c) => cut(c, p)));
    },
  };
}

for (const [strategy, blockAccept] of [['tqstar', 0], ['tqstar', 3], ['cd', 0]] as const) {
  test(`${strategy}, blockAccept ${blockAccept}: rollouts ask for top-k at 1 + blockAccept positions; dropping the rest changes no output`, async () => {
    let fallbacks = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const p = params({ topK: 4, rollouts: 4, horizon: 8, alpha: 3, seed, speed: { blockAccept, blockMargin: 0.5 } });
      const seen: SampleRequest[] = [];
      const env: DecodeEnv = directEnv(suite);
      const cutEnv: DecodeEnv = strategy === 'cd' ? { ...env, base: strict(env.base, seen) } : { ...env, baseline: strict(env.baseline, seen) };
      const full = await decode(strategy as StrategyName, { text: '' }, env, p);
      const cut = await decode(strategy as StrategyName, { text: '' }, cutEnv, p);
      assert.ok(!full.error && !cut.error, full.error?.message ?? cut.error?.message);
      const withTops = seen.filter((r) => r.topLogprobs);
      assert.ok(withTops.length > 0, 'rollouts asked for top-k');
      for (const r of withTops) assert.equal(r.topLogprobsPositions, 1 + blockAccept);
      assert.deepEqual(cut.tokens.map((t) => t.id), full.tokens.map((t) => t.id), `seed ${seed}: same answer`);
      assert.equal(cut.reward, full.reward);
      fallbacks += cut.stats.requests - full.stats.requests;
    }
    // Without block acceptance, reused rollouts are read beyond the first position: the dropped lists were needed
    // in some steps, and the decoder asked for that top-k instead (one request more each) — same answers.
    if (blockAccept === 0) assert.ok(fallbacks > 0, 'the dropped lists were exercised');
    assert.ok(fallbacks >= 0);
  });
}
