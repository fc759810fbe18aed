// TQ* against each peer at equal compute and at equal KL: the peer's best point that costs no more (or deviates no more).
import type { StrategyName } from '../config/schema';
import type { EvalSummary, PointSummary } from './summary';

export interface PeerMatch {
  peer: StrategyName;
  /** The peer's best-reward point among those at or below the budget; null when none is. */
  point: PointSummary | null;
  /** reward(target) − reward(peer), and its standard error √(se₁² + se₂²) (independent prompts × seeds per point). */
  delta: number | null;
  deltaSe: number | null;
}

export interface Comparison {
  target: PointSummary;
  compute: PeerMatch[];
  kl: PeerMatch[];
}

function best(points: PointSummary[], within: (p: PointSummary) => boolean): PointSummary | null {
  let b: PointSummary | null = null;
  for (const p of points) if (p.reward && within(p) && (!b || p.reward.mean > b.reward!.mean)) b = p;
  return b;
}

function match(t: PointSummary, peer: StrategyName, p: PointSummary | null): PeerMatch {
  if (!p || !t.reward || !p.reward) return { peer, point: p, delta: null, deltaSe: null };
  const se = t.reward.se !== null && p.reward.se !== null ? Math.hypot(t.reward.se, p.reward.se) : null;
  return { peer, point: p, delta: t.reward.mean - p.reward.mean, deltaSe: se };
}

/** For every point of `target`: each other strategy's best point with ≤ its model tokens per output token, and with ≤ its KL estimate. */
export function compareAtEqual(s: EvalSummary, target: StrategyName = 'tqstar'): Comparison[] {
  const peers = [...new Set(s.points.map((p) => p.strategy))].filter((x) => x !== target);
  return s.points
    .filter((p) => p.strategy === target && p.reward)
    .map((t) => ({
      target: t,
      compute: peers.map((peer) => match(t, peer, best(s.points.filter((p) => p.strategy === peer), (p) => p.cost.modelTokensPerOutputToken <= t.cost.modelTokensPerOutputToken))),
      kl: peers.map((peer) => match(t, peer, t.kl ? best(s.points.filter((p) => p.strategy === peer), (p) => p.kl !== null && p.kl.mean <= t.kl!.mean) : null)),
    }));
}

const f = (x: number | null, d = 3) => (x === null ? '—' : (x >= 0 ? '+' : '') + x.toFixed(d));

/** One line per target point and budget: the peers' best rewards and TQ*'s lead (negative: behind). */
export function comparisonText(cs: Comparison[]): string {
  const out: string[] = [];
  for (const c of cs) {
    const t = c.target;
    out.push(`${t.label}: reward ${t.reward!.mean.toFixed(3)}, ${t.cost.modelTokensPerOutputToken.toFixed(1)} tokens/output token, KL ${t.kl ? t.kl.mean.toFixed(2) : '—'}`);
    for (const [name, ms] of [['  at ≤ compute', c.compute], ['  at ≤ KL     ', c.kl]] as const)
      out.push(`${name}: ${ms.map((m) => `${m.peer} ${m.point ? `${m.point.reward!.mean.toFixed(3)} (${f(m.delta)} ± ${m.deltaSe === null ? '—' : m.deltaSe.toFixed(3)})` : 'none'}`).join('; ')}`);
  }
  return out.join('\n');
}
