// The gate: steer only where the proposer is uncertain; unsteered steps take its top token without rollouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { steers, uncertainty } from '../../src/core/gate';
import { topK } from '../../src/models/exact';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';

const suite = tabularSuite({ maxLength: 6 });

test('uncertainty: entropy and top-1 share of a top-k list, renormalised over it', () => {
  const u = uncertainty([Math.log(0.3), Math.log(0.1), Math.log(0.1)]); // renormalised: 0.6, 0.2, 0.2
  assert.ok(Math.abs(u.top1 - 0.6) < 1e-12);
  assert.ok(Math.abs(u.entropy - -(0.6 * Math.log(0.6) + 0.4 * Math.log(0.2))) < 1e-12);
  assert.deepEqual(uncertainty([0]), { entropy: 0, top1: 1 });
  const g = { by: 'top1', minEntropy: 1, maxTop1: 0.7 } as const;
  assert.equal(steers(g, [Math.log(0.3), Math.log(0.1), Math.log(0.1)]), true);
  assert.equal(steers({ ...g, maxTop1: 0.59 }, [Math.log(0.3), Math.log(0.1), Math.log(0.1)]), false);
  assert.equal(steers({ ...g, by: 'entropy', minEntropy: 0.95 }, [Math.log(0.3), Math.log(0.1), Math.log(0.1)]), true); // H ≈ 0.950
  assert.equal(steers({ ...g, by: 'entropy', minEntropy: 0.96 }, [Math.log(0.3), Math.log(0.1), Math.log(0.1)]), false);
  assert.equal(steers({ ...g, by: 'none' }, [0]), true);
});

for (const by of ['top1', 'entropy'] as const) {
  test(`gate "${by}": a step is steered exactly when the proposer's top-k is uncertain; unsteered steps take its top token, with no rollouts and one request`, async () => {
    const k = 3;
    let steered = 0;
    let left = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const gate = { by, maxTop1: 0.75, minEntropy: 0.7 };
      const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: k, rollouts: 3, seed, gate }));
      assert.ok(!r.error, r.error?.message);
      let state: number[] = [];
      for (const s of r.steps) {
        const d = suite.dists.rhoStarR(state);
        const top = topK(d, k);
        const u = uncertainty(top.map((z) => Math.log(d[z])));
        const want = by === 'top1' ? u.top1 < gate.maxTop1 : u.entropy >= gate.minEntropy;
        assert.equal(s.steered, want, `step ${s.index} [${state}]: top1 ${u.top1.toFixed(3)} H ${u.entropy.toFixed(3)}`);
        if (want) {
          steered++;
          assert.ok(s.candidates.some((c) => c.rollouts.length > 0 || c.id === suite.world.eosId));
        } else {
          left++;
          assert.equal(s.chosen.id, top[0], 'the proposer\'s top token');
          assert.equal(s.alpha, 0);
          assert.ok(s.candidates.every((c) => c.rollouts.length === 0 && c.q === null));
          // The proposer's top-k (ρ_BL) and, beside it, π_base's (for log π_base and baseTop): nothing else.
          assert.ok(s.requests <= 2, `unsteered step ${s.index}: ${s.requests} requests`);
        }
        if (s.chosen.id !== suite.world.eosId) state = [...state, s.chosen.id];
      }
    }
    assert.ok(steered > 0 && left > 0, `both kinds of step occur (${steered} steered, ${left} not)`);
  });
}

test('without a gate, steps carry no "steered" flag, and α is reported', async () => {
  const r = await decode('tqstar', { text: '' }, directEnv(suite), params({ topK: 3, rollouts: 2, seed: 1, alpha: 1.5 }));
  assert.ok(r.steps.every((s) => s.steered === undefined && s.alpha === 1.5));
});
