// Exact measurements of the decoding method's new parts on the tabular world (no sampling noise where
// the policy is enumerable): strength under reward scaling, the α and per-token-KL families on the
// E[r]–KL frontier, the implicit estimator's policy, and the gate. Run:
//   node --import tsx scripts/method-tabular.ts
import { alphaForKl } from '../src/core/strength';
import { uncertainty } from '../src/core/gate';
import { Exact, topK } from '../src/models/exact';
import { tabularSuite } from '../src/models/inProcess';
import { type NextDist, prefixKey, tabularReward } from '../src/models/tabular';

const suite = tabularSuite({ maxLength: 5 });
const { world, dists } = suite;
const K = 3;
const cands = (s: readonly number[]) => topK(dists.rhoStarR(s), K);

/** softmax(log π_base + α(s)·Q(s,z)) over the candidates, with α chosen per state. */
function policy(q: (s: readonly number[], z: number) => number, alphaAt: (lb: number[], qs: number[]) => number, gate?: (s: readonly number[]) => boolean): NextDist {
  const memo = new Map<string, Float64Array>();
  return (s) => {
    const key = prefixKey(s);
    const hit = memo.get(key);
    if (hit) return hit;
    const pb = dists.base(s);
    const out = new Float64Array(pb.length);
    const cs = cands(s).filter((z) => pb[z] > 0);
    if (gate && !gate(s)) {
      out[cs[0]] = 1; // unsteered: the proposer's top token
    } else {
      const lb = cs.map((z) => Math.log(pb[z]));
      const qs = cs.map((z) => q(s, z));
      const a = alphaAt(lb, qs);
      const sc = lb.map((l, i) => l + a * qs[i]);
      const m = Math.max(...sc);
      const w = sc.map((x) => Math.exp(x - m));
      const t = w.reduce((x, y) => x + y, 0);
      cs.forEach((z, i) => (out[z] = w[i] / t));
    }
    memo.set(key, out);
    return out;
  };
}

const f = (x: number, d = 3) => x.toFixed(d);
const scaled = (c: number) => new Exact(world, dists.base, (seq) => c * tabularReward(seq), suite.beta);
// E[r] and KL are reported in the original reward's units (E[c·r]/c), so rows compare directly.
const ev = (c: number, pol: NextDist) => {
  const v = scaled(c).evaluate(pol);
  return { r: v.reward / c, kl: v.kl };
};
const qStarScaled = (c: number) => (s: readonly number[], z: number) => c * suite.exact.qStar(s, z);

console.log(`tabular world: 5 words + EOS, L = ${world.maxLength}, k = ${K} from ρ*_r, exact Q*_r (β = ${suite.beta}); policies sampled (softmax), values by enumeration`);
console.log(`reference: π_base E[r] ${f(suite.exact.evaluate(dists.base).reward)}, ρ*_r E[r] ${f(suite.exact.evaluate(dists.rhoStarR).reward)} at KL ${f(suite.exact.evaluate(dists.rhoStarR).kl)}`);

console.log('\n1. The same setting under reward × c (E[r] in the original units):');
console.log('   setting            c=0.1 E[r] / KL    c=1 E[r] / KL     c=10 E[r] / KL');
for (const [name, alphaAt] of [
  ['alpha 1          ', () => 1],
  ['alpha 4          ', () => 4],
  ['kl budget 0.1    ', (lb: number[], qs: number[]) => alphaForKl(lb, qs, 0.1).alpha],
  ['kl budget 0.3    ', (lb: number[], qs: number[]) => alphaForKl(lb, qs, 0.3).alpha],
] as const) {
  const row = [0.1, 1, 10].map((c) => {
    // A fresh Exact per scale: its Q* is c·Q*_r (the same ρ*: the baseline does not change with the reward's units).
    const v = ev(c, policy(qStarScaled(c), alphaAt as (lb: number[], qs: number[]) => number));
    return `${f(v.r)} / ${f(v.kl)}`;
  });
  console.log(`   ${name}  ${row.join('      ')}`);
}

console.log('\n2. The E[r]–KL frontier (c = 1): constant α against a constant per-token KL budget, exact Q*:');
const frontier = (name: string, pts: Array<{ r: number; kl: number; x: number }>) => console.log(`   ${name}: ${pts.map((p) => `${p.x}→${f(p.r)}@${f(p.kl, 2)}`).join('  ')}`);
frontier('α      ', [0.25, 0.5, 1, 2, 4, 8, 16].map((a) => ({ x: a, ...ev(1, policy(qStarScaled(1), () => a)) })));
frontier('KL/tok ', [0.01, 0.03, 0.1, 0.2, 0.3, 0.5].map((b) => ({ x: b, ...ev(1, policy(qStarScaled(1), (lb, qs) => alphaForKl(lb, qs, b).alpha)) })));

console.log('\n3. The implicit estimator: Q̂ = β·log(ρ*/π_base) makes the step policy π_base^(1−λ)·ρ*^λ over C_t, λ = α·β:');
const implicitQ = (s: readonly number[], z: number) => suite.beta * Math.log(dists.rhoStarR(s)[z] / dists.base(s)[z]);
frontier('λ      ', [0.5, 1, 1.5, 2, 3, 4].map((l) => ({ x: l, ...ev(1, policy(implicitQ, () => l / suite.beta)) })));
frontier('KL/tok ', [0.03, 0.1, 0.2, 0.3, 0.5].map((b) => ({ x: b, ...ev(1, policy(implicitQ, (lb, qs) => alphaForKl(lb, qs, b).alpha)) })));

console.log('\n4. The gate (proposer ρ*_r, exact Q*, α = 2): steer only where the proposer is uncertain:');
const visitProb = (pol: NextDist, pred: (s: readonly number[]) => boolean) => {
  let steered = 0;
  let total = 0;
  const go = (s: number[], p: number) => {
    total += p;
    if (pred(s)) steered += p;
    const d = pol(s);
    for (let z = 0; z < d.length; z++) if (d[z] > 0 && z !== world.eosId) go([...s, z], p * d[z]);
  };
  go([], 1);
  return steered / total;
};
for (const thr of [1.01, 0.9, 0.8, 0.7, 0.6]) {
  const gate = (s: readonly number[]) => uncertainty(cands(s).map((z) => Math.log(dists.rhoStarR(s)[z]))).top1 < thr;
  const pol = policy(qStarScaled(1), () => 2, gate);
  const v = ev(1, pol);
  console.log(`   maxTop1 ${thr > 1 ? '1 (always)' : thr}: E[r] ${f(v.r)} KL ${f(v.kl)}; steered ${(100 * visitProb(pol, gate)).toFixed(0)}% of the tokens`);
}
