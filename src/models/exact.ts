// Exact answers on a tabular world by enumeration: ρ*_r, Q*, E[r], KL(π‖π_base), the exact TQ* policy and E[r] − β·KL.
import type { TokenId } from '../core/model';
import { type NextDist, type SequenceReward, type TabularWorld, prefixKey } from './tabular';

export interface PolicyValue {
  /** E_π[r(y)] over complete responses from the start state. */
  reward: number;
  /** KL(π‖π_base) of the trajectory distributions = E_π[Σ_t log π(z_t|s_t)/π_base(z_t|s_t)]. */
  kl: number;
  /** The KL-regularised objective E[r] − β·KL that ρ* maximises. */
  objective: number;
}

export class Exact {
  private readonly vMemo = new Map<string, number>();
  private readonly wMemo = new Map<string, number>();
  private readonly baseQMemo = new Map<string, number>();
  constructor(
    readonly world: TabularWorld,
    readonly base: NextDist,
    readonly reward: SequenceReward,
    readonly beta: number,
  ) {}

  /** V(s) = E_{π_base}[exp(r/β) | s], by backward recursion over the tables. */
  expValue(s: readonly TokenId[]): number {
    const key = prefixKey(s);
    let v = this.vMemo.get(key);
    if (v === undefined) {
      v = this.sumOver(s, (z, p) => p * (z === this.world.eosId ? Math.exp(this.reward(s) / this.beta) : this.expValue([...s, z])));
      this.vMemo.set(key, v);
    }
    return v;
  }

  /** W(s) = E_{π_base}[r·exp(r/β) | s]. */
  private weightedReward(s: readonly TokenId[]): number {
    const key = prefixKey(s);
    let w = this.wMemo.get(key);
    if (w === undefined) {
      w = this.sumOver(s, (z, p) => {
        if (z !== this.world.eosId) return p * this.weightedReward([...s, z]);
        const r = this.reward(s);
        return p * r * Math.exp(r / this.beta);
      });
      this.wMemo.set(key, w);
    }
    return w;
  }

  /** ρ*(z|s) = π_base(z|s)·E_{π_base}[exp(r/β) | s, z] / E_{π_base}[exp(r/β) | s]. */
  rhoStar: NextDist = (s) => {
    const pb = this.base(s);
    const vs = this.expValue(s);
    return pb.map((p, z) => (p === 0 ? 0 : (p * (z === this.world.eosId ? Math.exp(this.reward(s) / this.beta) : this.expValue([...s, z]))) / vs));
  };

  /** Q*(s,z) = E_{τ~ρ*(·|[s,z])}[r] = W(s+z)/V(s+z); for EOS, r(s). */
  qStar(s: readonly TokenId[], z: TokenId): number {
    if (z === this.world.eosId) return this.reward(s);
    const sz = [...s, z];
    return this.weightedReward(sz) / this.expValue(sz);
  }

  /** Q^{π_base}(s,z) = E_{τ~π_base}[r] (what CD estimates). */
  qBase(s: readonly TokenId[], z: TokenId): number {
    if (z === this.world.eosId) return this.reward(s);
    const sz = [...s, z];
    const key = prefixKey(sz);
    let q = this.baseQMemo.get(key);
    if (q === undefined) {
      q = this.sumOver(sz, (z2, p) => p * this.qBase(sz, z2));
      this.baseQMemo.set(key, q);
    }
    return q;
  }

  /** E[r], KL(π‖π_base) and E[r] − β·KL of a token-level policy, by enumerating every response. */
  evaluate(policy: NextDist, start: readonly TokenId[] = []): PolicyValue {
    let reward = 0;
    let kl = 0;
    const visit = (s: TokenId[], prob: number) => {
      const pi = policy(s);
      const pb = this.base(s);
      for (let z = 0; z < pi.length; z++) {
        if (pi[z] === 0) continue;
        if (pb[z] === 0) throw new Error(`policy puts mass on token ${z} at [${s}] where π_base has none (KL infinite)`);
        const p = prob * pi[z];
        kl += p * Math.log(pi[z] / pb[z]);
        if (z === this.world.eosId) reward += p * this.reward(s);
        else visit([...s, z], p);
      }
    };
    visit([...start], 1);
    return { reward, kl, objective: reward - this.beta * kl };
  }

  private sumOver(s: readonly TokenId[], f: (z: TokenId, p: number) => number): number {
    const pb = this.base(s);
    let acc = 0;
    for (let z = 0; z < pb.length; z++) if (pb[z] > 0) acc += f(z, pb[z]);
    return acc;
  }
}

/** The top-k ids of a distribution, most likely first (ties: lower id), zero-probability ids excluded. */
export function topK(dist: Float64Array, k: number): TokenId[] {
  return Array.from(dist.keys())
    .filter((z) => dist[z] > 0)
    .sort((a, b) => dist[b] - dist[a] || a - b)
    .slice(0, k);
}

/** The selection over scored candidates: all weight on the first best (greedy), or exp(score/T) normalised (sample). */
export function choiceWeights(scores: readonly number[], mode: 'greedy' | 'sample', temperature: number): number[] {
  if (mode === 'greedy') {
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    return scores.map((_, i) => (i === best ? 1 : 0));
  }
  const m = Math.max(...scores);
  const ws = scores.map((x) => Math.exp((x - m) / temperature));
  const total = ws.reduce((a, b) => a + b, 0);
  return ws.map((w) => w / total);
}

/**
 * A value-guided token-level policy over a candidate set: sample mode is
 * softmax((log π_base(z|s) + α·value(s,z)) / T) over C(s) — with value = Q* the exact TQ* policy —
 * greedy mode puts all mass on its argmax (ties: the candidate listed first).
 */
export function valuePolicy(
  base: NextDist,
  candidates: (s: readonly TokenId[]) => TokenId[],
  value: (s: readonly TokenId[], z: TokenId) => number,
  alpha: number,
  mode: 'greedy' | 'sample' = 'sample',
  temperature = 1,
): NextDist {
  const memo = new Map<string, Float64Array>();
  return (s) => {
    const key = prefixKey(s);
    const hit = memo.get(key);
    if (hit) return hit;
    const pb = base(s);
    const out = new Float64Array(pb.length);
    const cs = candidates(s).filter((z) => pb[z] > 0);
    const scores = cs.map((z) => Math.log(pb[z]) + alpha * value(s, z));
    choiceWeights(scores, mode, temperature).forEach((w, i) => (out[cs[i]] = w));
    memo.set(key, out);
    return out;
  };
}
