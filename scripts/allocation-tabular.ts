// Sequential allocation on the tabular world, against exact Q*: rollouts spent, how often the choice is
// the exact argmax, and the bias of the first-round mean and of the pooled mean. Run:
//   node --import tsx scripts/allocation-tabular.ts [seeds]
import { decode } from '../src/core/index';
import { parseDecodingParams } from '../src/core/params';
import { tabularSuite } from '../src/models/inProcess';

const suite = tabularSuite();
const SEEDS = Number(process.argv[2] ?? 200);
const STATES = [[], [0], [1, 2], [3, 0]];
const K = 6;
const N = 32;
const prompt = (s: number[]) => s.map((w) => suite.vocab[w]).join('');
/** The exact standard deviation of r(x, [s, z, τ]) for τ ~ ρ*_r(·|[s, z]), by enumeration. */
const exactSd = (s: number[], z: number) => {
  let m1 = 0;
  let m2 = 0;
  const go = (seq: number[], p: number) => {
    const d = suite.dists.rhoStarR(seq);
    for (let t = 0; t < d.length; t++) {
      if (!(d[t] > 0)) continue;
      if (t === suite.world.eosId) {
        const r = suite.rewardFn(seq);
        m1 += p * d[t] * r;
        m2 += p * d[t] * r * r;
      } else go([...seq, t], p * d[t]);
    }
  };
  go([...s, z], 1);
  return Math.sqrt(Math.max(0, m2 - m1 * m1));
};
const exactChoice = (s: number[]) => {
  const pb = suite.dists.base(s);
  let best = -1;
  let bs = -Infinity;
  for (let z = 0; z < pb.length; z++) {
    if (!(pb[z] > 0)) continue;
    const sc = Math.log(pb[z]) + suite.exact.qStar(s, z);
    if (sc > bs) (bs = sc), (best = z);
  }
  return best;
};

async function main() {
for (const [name, allocation, n] of [
  ['fixed N = 32', { kind: 'fixed' }, N],
  ['fixed N = 8', { kind: 'fixed' }, 8],
  ['sequential 4+4…≤32, 95%', { kind: 'sequential', firstRound: 4, round: 4, confidence: 0.95 }, N],
  ['sequential 2+2…≤32, 90%', { kind: 'sequential', firstRound: 2, round: 2, confidence: 0.9 }, N],
] as const) {
  let rollouts = 0;
  let right = 0;
  let steps = 0;
  // Standardised errors (estimate − Q*)/SE(Q*-based), pooled and first-round, over non-terminal candidates.
  let pooledZ = 0;
  let firstZ = 0;
  let m = 0;
  for (const state of STATES) {
    const want = exactChoice(state);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const p = parseDecodingParams({ topK: K, rollouts: n, horizon: 10, maxTokens: 10, seed, allocation });
      const r = await decode('tqstar', { text: prompt(state) }, { base: suite.base, baseline: suite.rhoStarR, reward: suite.reward }, p);
      const s = r.steps[0];
      steps++;
      if (s.chosen.id === want) right++;
      for (const c of s.candidates) {
        rollouts += c.rollouts.length;
        if (c.rollouts.length < 2) continue;
        const exact = suite.exact.qStar(state, c.id);
        const sd = exactSd(state, c.id);
        if (!(sd > 1e-12)) continue;
        const f = allocation.kind === 'sequential' ? allocation.firstRound : n;
        const first = c.rollouts.slice(0, f).reduce((a, ro) => a + ro.reward, 0) / f;
        pooledZ += (c.q! - exact) / (sd / Math.sqrt(c.rollouts.length));
        firstZ += (first - exact) / (sd / Math.sqrt(f));
        m++;
      }
    }
  }
  console.log(`${name.padEnd(26)} rollouts/step ${(rollouts / steps).toFixed(1).padStart(6)}  exact argmax chosen ${((100 * right) / steps).toFixed(1)}%  mean z: pooled ${(pooledZ / m).toFixed(3)}, first round ${(firstZ / m).toFixed(3)} (±${(1 / Math.sqrt(m)).toFixed(3)} per SE, ${m} candidates)`);
}
}

void main();
