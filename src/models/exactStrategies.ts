// The exact E[r], KL and E[r] − β·KL of the policy each strategy implements on the tabular world (values exact, no sampling noise).
import type { DecodingParams, StrategyName } from '../config/schema';
import { steers } from '../core/gate';
import type { TokenId } from '../core/model';
import { alphaForKl } from '../core/strength';
import { choiceWeights, type PolicyValue, topK, valuePolicy } from './exact';
import type { TabularSuite } from './inProcess';
import { type NextDist } from './tabular';

/**
 * TQ* and CD with exact values (Q*_r, Q^{π_base}), ARGS, greedy, sampling, the baseline alone and
 * Best-of-N, as policies from the empty response; null for blockwise (not a token-level policy we
 * enumerate). `baseline` is the direct-transfer baseline ρ*_r.
 */
export function exactStrategyValue(suite: TabularSuite, strategy: StrategyName, p: DecodingParams, start: TokenId[] = []): PolicyValue | null {
  const { exact, dists, world } = suite;
  const eos = world.eosId;
  const proposer = (s: readonly TokenId[]): TokenId[] => {
    const bl = topK(dists.rhoStarR(s), p.topK);
    const b = topK(dists.base(s), p.topK);
    return p.proposer === 'baseline' ? bl : p.proposer === 'base' ? b : [...bl, ...b.filter((z) => !bl.includes(z))];
  };
  switch (strategy) {
    case 'tqstar': {
      // α from the rewards a run has seen (strength "spread") is not a property of the policy alone.
      if (p.strength === 'spread') return null;
      const implicitQ = (s: readonly TokenId[], z: TokenId) => p.betaBaseline * Math.log(dists.rhoStarR(s)[z] / dists.base(s)[z]);
      const value = p.estimator === 'implicit' ? implicitQ : (s: readonly TokenId[], z: TokenId) => exact.qStar(s, z);
      const proposerDist = p.proposer === 'base' ? dists.base : dists.rhoStarR;
      return exact.evaluate(steeredPolicy(dists.base, proposer, proposerDist, value, p, p.estimator === 'hybrid' ? implicitQ : undefined), start);
    }
    case 'cd': {
      if (p.strength === 'spread') return null;
      const cands = (s: readonly TokenId[]) => topK(dists.base(s), p.topK);
      const value = (s: readonly TokenId[], z: TokenId) => exact.qBase(s, z);
      return exact.evaluate(steeredPolicy(dists.base, cands, dists.base, value, p), start);
    }
    case 'args': {
      const partial = (s: readonly TokenId[], z: TokenId) => suite.rewardFn(z === eos ? s : [...s, z]);
      return exact.evaluate(valuePolicy(dists.base, (s) => topK(dists.base(s), p.topK), partial, p.argsWeight, p.selection, p.selectionTemperature), start);
    }
    case 'greedy':
      return exact.evaluate(argmax(dists.base), start);
    case 'baseline':
      return exact.evaluate(argmax(dists.rhoStarR), start);
    case 'sample':
      return exact.evaluate(dists.base, start);
    case 'bon':
      return bestOfNValue(suite, p.bestOfNModel === 'base' ? dists.base : dists.rhoStarR, p.bestOfN, start);
    case 'blockwise':
    case 'softbon':
    case 'specrej':
    case 'smc':
      return null;
  }
}

/**
 * The TQ* (or CD) step policy with the options of decoding-method.md, in the limit of exact values:
 * the gate (an unsteered state takes the proposer's top token, or samples its top-k), the hybrid's
 * contenders (the best `contenders` by log π_base + α·implicit value), and the step's α (as given, or
 * the α whose policy over the candidates is klBudget nats from π_base).
 */
function steeredPolicy(
  base: NextDist,
  candidates: (s: readonly TokenId[]) => TokenId[],
  proposerDist: NextDist,
  value: (s: readonly TokenId[], z: TokenId) => number,
  p: DecodingParams,
  rankBy?: (s: readonly TokenId[], z: TokenId) => number,
): NextDist {
  const memo = new Map<string, Float64Array>();
  const alphaOf = (lb: number[], qs: number[]) => (p.strength === 'kl' ? alphaForKl(lb, qs, p.klBudget).alpha : p.alpha);
  return (s) => {
    const key = s.join(',');
    const hit = memo.get(key);
    if (hit) return hit;
    const pb = base(s);
    const out = new Float64Array(pb.length);
    let cs = candidates(s).filter((z) => pb[z] > 0);
    const own = topK(proposerDist(s), p.topK);
    if (!steers(p.gate, own.map((z) => Math.log(proposerDist(s)[z])))) {
      const scores = cs.map((z) => (own.includes(z) ? Math.log(proposerDist(s)[z]) : -Infinity));
      choiceWeights(scores, p.selection, 1).forEach((w, i) => (out[cs[i]] = w));
    } else {
      if (rankBy) {
        const lb = cs.map((z) => Math.log(pb[z]));
        const r = cs.map((z) => rankBy(s, z));
        const a = alphaOf(lb, r);
        cs = cs.map((z, i) => ({ z, i, sc: lb[i] + a * r[i] })).sort((x, y) => y.sc - x.sc || x.i - y.i).slice(0, p.contenders).map((x) => x.z);
        cs = candidates(s).filter((z) => cs.includes(z));
      }
      const lb = cs.map((z) => Math.log(pb[z]));
      const qs = cs.map((z) => value(s, z));
      const a = alphaOf(lb, qs);
      choiceWeights(lb.map((l, i) => l + a * qs[i]), p.selection, p.selectionTemperature).forEach((w, i) => (out[cs[i]] = w));
    }
    memo.set(key, out);
    return out;
  };
}

function argmax(d: NextDist): NextDist {
  return (s) => {
    const p = d(s);
    const out = new Float64Array(p.length);
    out[topK(p, 1)[0]] = 1;
    return out;
  };
}

/**
 * Best-of-N over a sampler q: the kept response has the maximum reward of N draws; among equal
 * rewards each response is kept in proportion to q(y). KL is trajectory-level against π_base.
 */
function bestOfNValue(suite: TabularSuite, q: NextDist, n: number, start: TokenId[]): PolicyValue {
  const ys = enumerate(suite, q, start);
  const byReward = new Map<number, { y: TokenId[]; p: number }[]>();
  for (const e of ys) {
    const r = suite.rewardFn(e.y);
    byReward.set(r, [...(byReward.get(r) ?? []), e]);
  }
  const levels = [...byReward.keys()].sort((a, b) => a - b);
  let below = 0;
  let reward = 0;
  let kl = 0;
  for (const r of levels) {
    const group = byReward.get(r)!;
    const mass = group.reduce((a, e) => a + e.p, 0);
    const pGroup = Math.pow(below + mass, n) - Math.pow(below, n);
    below += mass;
    for (const e of group) {
      const pKept = (pGroup * e.p) / mass;
      if (pKept === 0) continue;
      reward += pKept * r;
      kl += pKept * Math.log(pKept / pathProb(suite.dists.base, e.y, start, suite.world.eosId));
    }
  }
  return { reward, kl, objective: reward - suite.beta * kl };
}

function enumerate(suite: TabularSuite, q: NextDist, start: TokenId[]): { y: TokenId[]; p: number }[] {
  const out: { y: TokenId[]; p: number }[] = [];
  const go = (seq: TokenId[], p: number) => {
    const d = q(seq);
    for (let z = 0; z < d.length; z++) {
      if (d[z] === 0) continue;
      if (z === suite.world.eosId) out.push({ y: seq, p: p * d[z] });
      else go([...seq, z], p * d[z]);
    }
  };
  go([...start], 1);
  return out;
}

function pathProb(d: NextDist, y: TokenId[], start: TokenId[], eos: TokenId): number {
  let p = 1;
  for (let t = start.length; t <= y.length; t++) p *= d(y.slice(0, t))[t < y.length ? y[t] : eos];
  return p;
}
