// The exact tabular quantities, checked against their trajectory-level definitions by brute-force enumeration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabularSuite } from '../../src/models/inProcess';
import { allPrefixes, type NextDist } from '../../src/models/tabular';

const suite = tabularSuite({ beta: 0.7 });
const { world, exact, dists } = suite;

/** Every complete response y from state s with its probability under a token-level policy. */
function responses(policy: NextDist, s: number[] = []): { y: number[]; p: number }[] {
  const out: { y: number[]; p: number }[] = [];
  const go = (seq: number[], p: number) => {
    const d = policy(seq);
    for (let z = 0; z < d.length; z++) {
      if (d[z] === 0) continue;
      if (z === world.eosId) out.push({ y: seq, p: p * d[z] });
      else go([...seq, z], p * d[z]);
    }
  };
  go(s, 1);
  return out;
}

test('ρ*_r from the backward recursion is the trajectory-level ρ*(y) ∝ π_base(y)·exp(r(y)/β)', () => {
  const base = responses(dists.base);
  const rho = new Map(responses(dists.rhoStarR).map(({ y, p }) => [y.join(','), p]));
  const Z = base.reduce((a, { y, p }) => a + p * Math.exp(suite.rewardFn(y) / suite.beta), 0);
  assert.equal(base.length, 3906); // 5^0 + … + 5^5 responses of at most L = 5 words
  for (const { y, p } of base) assert.ok(Math.abs(rho.get(y.join(','))! - (p * Math.exp(suite.rewardFn(y) / suite.beta)) / Z) < 1e-12, `y=[${y}]`);
  for (const s of allPrefixes(world)) assert.ok(Math.abs(dists.rhoStarR(s).reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('Q*(s,z) is the expectation of r over ρ* continuations of [s, z]; Q^{π_base} over π_base continuations', () => {
  for (const s of [[], [1], [0, 4], [2, 2, 2]]) {
    for (let z = 0; z <= world.eosId; z++) {
      const expect = (policy: NextDist) =>
        z === world.eosId ? suite.rewardFn(s) : responses(policy, [...s, z]).reduce((a, { y, p }) => a + p * suite.rewardFn(y), 0);
      assert.ok(Math.abs(exact.qStar(s, z) - expect(dists.rhoStarR)) < 1e-12, `Q*([${s}], ${z})`);
      assert.ok(Math.abs(exact.qBase(s, z) - expect(dists.base)) < 1e-12, `Q^base([${s}], ${z})`);
    }
  }
});

test('evaluate: E[r] and KL(π‖π_base) by enumeration match the trajectory sums; ρ* attains β·log Z', () => {
  for (const policy of [dists.rhoStarR, dists.rhoStarRbl]) {
    const ys = responses(policy);
    const baseP = new Map(responses(dists.base).map(({ y, p }) => [y.join(','), p]));
    const reward = ys.reduce((a, { y, p }) => a + p * suite.rewardFn(y), 0);
    const kl = ys.reduce((a, { y, p }) => a + p * Math.log(p / baseP.get(y.join(','))!), 0);
    const v = exact.evaluate(policy);
    assert.ok(Math.abs(v.reward - reward) < 1e-12 && Math.abs(v.kl - kl) < 1e-12);
  }
  assert.ok(Math.abs(exact.evaluate(dists.rhoStarR).objective - suite.beta * Math.log(exact.expValue([]))) < 1e-12);
});
