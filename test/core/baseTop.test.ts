// StepDiagnostics.baseTop: π_base's real top-1 at s_t over the whole vocabulary, with its log π_base and whether it was proposed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeResult } from '../../src/core/index';
import { topK } from '../../src/models/exact';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';

const suite = tabularSuite({ maxLength: 6 });

/** Checks every step's baseTop against π_base's tables; returns how many steps carried one. */
function checkBaseTop(r: DecodeResult): number {
  let state: number[] = [];
  let n = 0;
  for (const s of r.steps) {
    if (s.baseTop) {
      const d = suite.dists.base(state);
      const [top] = topK(d, 1);
      assert.equal(s.baseTop.id, top, `step ${s.index} [${state}]`);
      assert.ok(Math.abs(s.baseTop.logprobBase - Math.log(d[top])) < 1e-12);
      assert.equal(s.baseTop.text, suite.vocab[top]);
      assert.equal(s.baseTop.proposed, s.candidates.some((c) => c.id === top));
      n++;
    }
    state = [...state, ...[s.chosen, ...s.accepted].map((t) => t.id).filter((id) => id !== suite.world.eosId)];
  }
  return n;
}

for (const [strategy, extra, always] of [
  ['tqstar', {}, true],
  ['tqstar', { proposer: 'union' }, true],
  ['tqstar', { gate: { by: 'top1', maxTop1: 0.8 } }, true],
  ['cd', {}, true],
  ['args', {}, true],
] as const) {
  test(`baseTop is π_base's argmax over the whole vocabulary (${strategy} ${JSON.stringify(extra)})`, async () => {
    let with_ = 0;
    let steps = 0;
    let notProposed = 0;
    for (const seed of [1, 2, 3, 4]) {
      const r = await decode(strategy, { text: '' }, directEnv(suite), params({ topK: 2, rollouts: 2, seed, ...extra }));
      assert.ok(!r.error, r.error?.message);
      with_ += checkBaseTop(r);
      steps += r.steps.length;
      notProposed += r.steps.filter((s) => s.baseTop && !s.baseTop.proposed).length;
    }
    if (always) assert.equal(with_, steps, 'every step');
    else assert.ok(with_ > 0, `${with_} of ${steps} steps`);
    // With k = 2 from ρ*_r the base's favourite is sometimes not among the candidates: the flag can be false.
    if (strategy === 'tqstar' && !('proposer' in extra)) assert.ok(notProposed > 0, `${notProposed} steps with the base's favourite not proposed`);
  });
}
