// Paired differences against the baseline alone and against Best-of-N's compute frontier, per point: the targets' arithmetic.
import type { StrategyName } from '../config/schema';
import type { AnswerRecord } from './records';
import { heldOutValue, type EvalSummary, type PointSummary } from './summary';
import { meanEstimate } from '../core/estimators';

export interface Paired {
  /** Mean over the prompt × seed pairs of (this point − the other), and its standard error sd/√n. */
  delta: number;
  se: number | null;
  n: number;
}

export interface BonMatch extends Paired {
  /** The Best-of-N points interpolated between (one when the point's compute is outside Best-of-N's measured range). */
  between: string[];
  /** Where the point's compute lies against the Best-of-N points measured. */
  where: 'inside' | 'below' | 'above';
}

export interface PointTargets {
  point: PointSummary;
  vsBaseline: Paired | null;
  heldOutVsBaseline: Paired | null;
  vsBon: BonMatch | null;
}

const pairKey = (a: AnswerRecord) => `${a.promptId}\u0000${a.seed}`;

function paired(diffs: number[]): Paired | null {
  if (!diffs.length) return null;
  const { q, stderr } = meanEstimate(diffs);
  return { delta: q, se: stderr, n: diffs.length };
}

function byPair(answers: readonly AnswerRecord[], point: string, value: (a: AnswerRecord) => number | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of answers) {
    if (a.point !== point || a.error) continue;
    const v = value(a);
    if (v !== null && Number.isFinite(v)) out.set(pairKey(a), v);
  }
  return out;
}

/**
 * Best-of-N's reward at compute c, per prompt × seed pair: linear in log(compute) between the two
 * Best-of-N points on its own frontier that bracket c (Best-of-N's reward grows about linearly in
 * log N). Below the cheapest point the cheapest is used, above the dearest the dearest (both flagged):
 * no extrapolation.
 */
export function bonAt(c: number, bon: readonly { label: string; cost: number; rewards: Map<string, number> }[]): { at: Map<string, number>; between: string[]; where: BonMatch['where'] } | null {
  if (!bon.length) return null;
  const pts = [...bon].sort((a, b) => a.cost - b.cost);
  if (c <= pts[0]!.cost) return { at: pts[0]!.rewards, between: [pts[0]!.label], where: c < pts[0]!.cost ? 'below' : 'inside' };
  const last = pts[pts.length - 1]!;
  if (c >= last.cost) return { at: last.rewards, between: [last.label], where: c > last.cost ? 'above' : 'inside' };
  const j = pts.findIndex((p) => p.cost >= c);
  const lo = pts[j - 1]!;
  const hi = pts[j]!;
  const t = (Math.log(c) - Math.log(lo.cost)) / (Math.log(hi.cost) - Math.log(lo.cost));
  const at = new Map<string, number>();
  for (const [k, v] of lo.rewards) {
    const w = hi.rewards.get(k);
    if (w !== undefined) at.set(k, (1 - t) * v + t * w);
  }
  return { at, between: [lo.label, hi.label], where: 'inside' };
}

/**
 * For every point except the baseline and Best-of-N themselves: its reward and held-out score paired
 * against the baseline alone's (greedy ρ_BL), and its reward paired against Best-of-N's frontier at its
 * own model tokens per output token. Best-of-N's frontier is its points not dominated by a cheaper one.
 */
export function frontierTargets(s: EvalSummary, answers: readonly AnswerRecord[], baseline: StrategyName = 'baseline'): PointTargets[] {
  const base = s.points.find((p) => p.strategy === baseline && !Object.keys(p.swept).length) ?? s.points.find((p) => p.strategy === baseline);
  const bonPts = s.points.filter((p) => p.strategy === 'bon' && p.reward && Number.isFinite(p.cost.modelTokensPerOutputToken));
  const bonFront = bonPts.filter((p) => !bonPts.some((q) => q !== p && q.cost.modelTokensPerOutputToken <= p.cost.modelTokensPerOutputToken && q.reward!.mean >= p.reward!.mean && (q.cost.modelTokensPerOutputToken < p.cost.modelTokensPerOutputToken || q.reward!.mean > p.reward!.mean)));
  const bon = bonFront.map((p) => ({ label: p.label, cost: p.cost.modelTokensPerOutputToken, rewards: byPair(answers, p.point, (a) => a.reward) }));
  const baseR = base ? byPair(answers, base.point, (a) => a.reward) : null;
  const baseH = base ? byPair(answers, base.point, (a) => heldOutValue(a).value) : null;
  const diff = (mine: Map<string, number>, other: Map<string, number> | null) => {
    if (!other) return null;
    const d: number[] = [];
    for (const [k, v] of mine) {
      const w = other.get(k);
      if (w !== undefined) d.push(v - w);
    }
    return paired(d);
  };
  return s.points
    .filter((p) => p !== base && p.strategy !== 'bon' && p.reward)
    .map((p) => {
      const r = byPair(answers, p.point, (a) => a.reward);
      const h = byPair(answers, p.point, (a) => heldOutValue(a).value);
      const b = bonAt(p.cost.modelTokensPerOutputToken, bon);
      const d = b ? diff(r, b.at) : null;
      return { point: p, vsBaseline: diff(r, baseR), heldOutVsBaseline: diff(h, baseH), vsBon: b && d ? { ...d, between: b.between, where: b.where } : null };
    });
}

const sg = (x: number, d = 3) => (x >= 0 ? '+' : '') + x.toFixed(d);
const fmt = (p: Paired | null, d = 3) => (p ? `${sg(p.delta, d)} ± ${p.se === null ? '—' : p.se.toFixed(d)}${p.se ? ` (${sg(p.delta / p.se, 1)} SE)` : ''}` : '—');

/** One line per point: reward, compute, Δ vs the baseline, Δ vs Best-of-N's frontier at equal compute, held-out Δ vs the baseline. */
export function targetsText(ts: readonly PointTargets[]): string {
  if (!ts.length) return '';
  const rows = [...ts].sort((a, b) => a.point.cost.modelTokensPerOutputToken - b.point.cost.modelTokensPerOutputToken);
  return rows
    .map((t) => {
      const p = t.point;
      const bon = t.vsBon ? `${fmt(t.vsBon)} [${t.vsBon.where === 'inside' ? t.vsBon.between.join(' … ') : `${t.vsBon.where} Best-of-N's measured range: vs ${t.vsBon.between[0]}`}]` : '—';
      return `${p.label}: reward ${p.reward!.mean.toFixed(3)} ± ${p.reward!.se?.toFixed(3) ?? '—'}, ${p.cost.modelTokensPerOutputToken.toFixed(1)} tok/out\n  Δ vs baseline ${fmt(t.vsBaseline)}; Δ vs Best-of-N at equal compute ${bon}; held-out Δ vs baseline ${fmt(t.heldOutVsBaseline)}`;
    })
    .join('\n');
}
