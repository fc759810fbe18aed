// The exact E[r], KL and E[r] − β·KL of the policy each strategy implements on the tabular world (values exact, no sampling noise).
import type { DecodingParams, StrategyName } from '../config/schema';
import type { TokenId } from '../core/model';
import { type PolicyValue, topK, valuePolicy } from './exact';
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
    case 'tqstar':
      return exact.evaluate(valuePolicy(dists.base, proposer, (s, z) => exact.qStar(s, z), p.alpha, p.selection, p.selectionTemperature), start);
    case 'cd':
      return exact.evaluate(valuePolicy(dists.base, (s) => topK(dists.base(s), p.topK), (s, z) => exact.qBase(s, z), p.alpha, p.selection, p.selectionTemperature), start);
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
