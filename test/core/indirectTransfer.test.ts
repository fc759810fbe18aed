// Indirect transfer: rollouts from ρ*_{r_BL} (aligned to a different reward), reweighted to ρ*_r by
// self-normalised importance sampling; both weight variants must converge to Q*_r.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { firstStep, indirectEnv, params, promptOf } from './tabularEnv';

const suite = tabularSuite({ beta: 1, betaBaseline: 1 });
const STATES = [[], [0], [1, 2], [3, 0, 4]];
const P = (rollouts: number, weights: 'baseline-reward' | 'implicit', seed: number) =>
  params({ topK: 6, rollouts, horizon: 10, maxTokens: 10, seed, transfer: 'indirect', indirectWeights: weights, beta: 1, betaBaseline: 1 });

async function rows(rollouts: number, weights: 'baseline-reward' | 'implicit', seed: number) {
  const out: { state: number[]; z: number; q: number; se: number; ess: number | null; exact: number; weightSum: number }[] = [];
  for (const state of STATES) {
    const step = firstStep(await decode('tqstar', { text: promptOf(suite, state) }, indirectEnv(suite), P(rollouts, weights, seed)));
    for (const c of step.candidates) {
      if (c.id === suite.world.eosId) continue;
      out.push({ state, z: c.id, q: c.q!, se: c.qStderr!, ess: c.ess, exact: suite.exact.qStar(state, c.id), weightSum: c.rollouts.reduce((a, r) => a + r.weight!, 0) });
    }
  }
  return out;
}

for (const weights of ['baseline-reward', 'implicit'] as const) {
  test(`indirect transfer (${weights} weights): Q̂ within 4 delta-method SEs of Q*_r at N = 256, weights self-normalised, ESS reported`, { timeout: 60_000 }, async () => {
    // Self-normalised IS has O(1/N) bias, small against its O(1/√N) error at N = 256; the
    // delta-method SE is asymptotically right, so 4 SEs covers all 20 candidates with room.
    for (const r of await rows(256, weights, 11)) {
      assert.ok(Math.abs(r.weightSum - 1) < 1e-9, 'weights sum to 1');
      assert.ok(r.ess !== null && r.ess > 1 && r.ess <= 256 + 1e-9, `ESS ${r.ess}`);
      if (r.state.length + 1 === suite.world.maxLength) continue;
      assert.ok(Math.abs(r.q - r.exact) <= 4 * r.se, `state [${r.state}] z=${r.z}: Q̂=${r.q.toFixed(4)} Q*_r=${r.exact.toFixed(4)} SE=${r.se.toFixed(4)} ESS=${r.ess?.toFixed(1)}`);
    }
  });

  test(`indirect transfer (${weights} weights): the error falls from N = 16 to N = 256, and Q̂ moves away from the uncorrected mean`, { timeout: 60_000 }, async () => {
    const rmse = async (n: number) => {
      let ss = 0;
      let m = 0;
      for (const seed of [1, 2, 3]) for (const r of await rows(n, weights, seed)) ((ss += (r.q - r.exact) ** 2), m++);
      return Math.sqrt(ss / m);
    };
    const e16 = await rmse(16);
    const e256 = await rmse(256);
    console.log(`indirect ${weights}: RMSE N=16 ${e16.toFixed(4)}, N=256 ${e256.toFixed(4)}`);
    // 1/√N predicts 4× (and the O(1/N) bias falls faster); 2× leaves room for the RMSE's own noise.
    assert.ok(e256 < e16 / 2, `RMSE N=16 ${e16} vs N=256 ${e256}`);
    // Without the weights the mean estimates Q under ρ*_{r_BL}, not Q*_r: check that the exact
    // values differ enough for this test to mean something, and that the estimate is closer to Q*_r.
    let gap = 0;
    let n = 0;
    for (const state of STATES) {
      for (let z = 0; z < suite.world.words; z++) {
        if (state.length + 1 >= suite.world.maxLength) continue;
        gap += Math.abs(suite.exact.qStar(state, z) - qUnderBaseline(state, z));
        n++;
      }
    }
    assert.ok(gap / n > 4 * e256, `mean |Q*_r − Q_{ρBL}| = ${(gap / n).toFixed(3)} should dwarf the N=256 error ${e256.toFixed(3)}`);
  });
}

/** E_{τ~ρ*_{r_BL}}[r | s, z]: what an unweighted mean of baseline rollouts would estimate. */
function qUnderBaseline(s: number[], z: number): number {
  const rho = suite.dists.rhoStarRbl;
  const go = (seq: number[]): number => {
    const d = rho(seq);
    let acc = 0;
    for (let t = 0; t < d.length; t++) if (d[t] > 0) acc += d[t] * (t === suite.world.eosId ? suite.rewardFn(seq) : go([...seq, t]));
    return acc;
  };
  return go([...s, z]);
}
