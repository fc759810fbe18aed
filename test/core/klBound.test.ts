// The per-step KL bound of ALGORITHM.md: KL(π_TQ*‖π_base) ≤ α·(max Q̂ − min Q̂) + log(1/π_base(C_t)).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, indirectEnv, params, promptOf, wordsOf } from './tabularEnv';

const suite = tabularSuite();

for (const [name, env, extra] of [
  ['direct', directEnv(suite), {}],
  ['indirect', indirectEnv(suite), { transfer: 'indirect' }],
] as const) {
  test(`per-step KL bound holds at every step with estimated Q̂ (${name}, k ∈ {2, 4, 6}, α ∈ {0.5, 3})`, { timeout: 60_000 }, async () => {
    let checked = 0;
    for (const topK of [2, 4, 6]) {
      for (const alpha of [0.5, 3]) {
        for (const prompt of [[], [2, 3]]) {
          const r = await decode('tqstar', { text: promptOf(suite, prompt) }, env, params({ topK, alpha, rollouts: 4, selection: 'sample', seed: topK * 10 + alpha * 2, ...extra }));
          assert.ok(r.steps.length > 0 && !r.error);
          let state = [...prompt];
          for (const step of r.steps) {
            const pb = suite.dists.base(state); // the full next-token distribution of π_base at s_t
            let kl = 0;
            let massC = 0;
            for (const c of step.candidates) {
              massC += pb[c.id];
              if (c.selectProb > 0) kl += c.selectProb * Math.log(c.selectProb / pb[c.id]);
            }
            const qs = step.candidates.map((c) => c.q!);
            const bound = alpha * (Math.max(...qs) - Math.min(...qs)) + Math.log(1 / massC);
            assert.ok(kl <= bound + 1e-12, `step ${step.index}: KL ${kl} > bound ${bound}`);
            checked++;
            state = [...state, ...(step.chosen.id === suite.world.eosId ? [] : [step.chosen.id]), ...step.accepted.map((t) => t.id)];
          }
          assert.deepEqual(state, wordsOf(suite, [...prompt, ...r.tokens.map((t) => t.id)]));
        }
      }
    }
    assert.ok(checked >= 24);
  });
}
