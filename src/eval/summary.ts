// Per-point summary of an evaluation: means ± standard errors over prompts × seeds, win/tie/loss, cost, frontiers.
import { meanEstimate } from '../core/estimators';
import type { StrategyName } from '../config/schema';
import { fluency } from './heldOut';
import type { KlEstimator } from './kl';
import { compareRewards, countOutcomes, paretoFrontier, type Outcome, type WinTieLoss } from './metrics';
import type { AnswerRecord, JudgeRecord } from './records';

export interface MeanSe {
  mean: number;
  /** Standard error s/√n; null for fewer than two values. */
  se: number | null;
  n: number;
}

export interface PointSummary {
  point: string;
  label: string;
  strategy: StrategyName;
  swept: Record<string, unknown>;
  answers: number;
  errors: number;
  reward: MeanSe | null;
  baselineReward: MeanSe | null;
  /** Mean of the per-answer KL values, and which estimators made them (see src/eval/kl.ts). */
  kl: (MeanSe & { estimators: KlEstimator[] }) | null;
  exact: { reward: number; kl: number; objective: number } | null;
  diversity: MeanSe | null;
  /** Distinct answer texts / answers: per-answer diversity cannot see answers converging on one sentence across prompts. */
  distinct: number | null;
  coherence: MeanSe | null;
  /** The held-out score (src/eval/heldOut.ts): its name and mean ± SE; null when no answer has one. */
  heldOut: (MeanSe & { name: string }) | null;
  /** Of the steps the gate decided on, the share it steered (decoding.gate); null for strategies without a gate. */
  steered: number | null;
  vsReference: WinTieLoss | null;
  judge: WinTieLoss | null;
  cost: {
    /** Σ model tokens / Σ output tokens over the point's answers. */
    modelTokensPerOutputToken: number;
    requestsPerAnswer: number;
    rewardCallsPerAnswer: number;
    /** Σ reward inputs scored / Σ output tokens: the reward model's share of the compute. */
    rewardInputsPerOutputToken: number;
    wallMsPerAnswer: number;
    outputTokensPerAnswer: number;
    /** The latency model's critical path per answer and per output token; null unless every answer has one (`--latency`). */
    criticalPathMsPerAnswer: number | null;
    criticalPathMsPerOutputToken: number | null;
  };
  /** On the Pareto frontier of reward against model tokens per output token / against KL. */
  frontier: { cost: boolean; kl: boolean };
}

export interface EvalSummary {
  reference: string | null;
  points: PointSummary[];
}

function meanSe(xs: readonly number[]): MeanSe | null {
  if (!xs.length) return null;
  const { q, stderr } = meanEstimate(xs);
  return { mean: q, se: stderr, n: xs.length };
}

const nums = (xs: readonly (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Points in order of first appearance; win/tie/loss pairs answers by prompt and seed with the reference point's. */
export function summarise(answers: readonly AnswerRecord[], judged: readonly JudgeRecord[], reference: string | null): EvalSummary {
  const byPoint = new Map<string, AnswerRecord[]>();
  for (const a of answers) byPoint.set(a.point, [...(byPoint.get(a.point) ?? []), a]);
  const refAnswers = new Map<string, AnswerRecord>();
  for (const a of reference ? (byPoint.get(reference) ?? []) : []) refAnswers.set(`${a.promptId}\u0000${a.seed}`, a);
  const points: PointSummary[] = [...byPoint].map(([point, as]) => {
    const good = as.filter((a) => !a.error);
    const first = as[0]!;
    const kls = good.map((a) => a.kl).filter((k): k is NonNullable<typeof k> => k !== null);
    // A KL mean is only shown when every answer has one: a mean over the answers that happened to be estimable would be biased.
    const kl = good.length && kls.length === good.length ? { ...meanSe(kls.map((k) => k.value))!, estimators: [...new Set(kls.map((k) => k.estimator))] } : null;
    const exacts = good.map((a) => a.exact).filter((e): e is NonNullable<typeof e> => e !== null);
    const exact = exacts.length && exacts.length === good.length ? { reward: mean(exacts.map((e) => e.reward)), kl: mean(exacts.map((e) => e.kl)), objective: mean(exacts.map((e) => e.objective)) } : null;
    let vsReference: WinTieLoss | null = null;
    if (reference && point !== reference) {
      const outcomes: Outcome[] = [];
      for (const a of good) {
        const b = refAnswers.get(`${a.promptId}\u0000${a.seed}`);
        if (b && !b.error && a.reward !== null && b.reward !== null) outcomes.push(compareRewards(a.reward, b.reward));
      }
      vsReference = countOutcomes(outcomes);
    }
    const js = judged.filter((j) => j.point === point && j.reference === reference);
    const outTok = sum(good.map((a) => a.outputTokens));
    const cps = nums(good.map((a) => a.criticalPathMs));
    // As for KL: a mean over the answers that happened to be costed would be biased.
    const cp = good.length && cps.length === good.length ? sum(cps) : null;
    return {
      point,
      label: first.label,
      strategy: first.strategy,
      swept: first.swept,
      answers: as.length,
      errors: as.length - good.length,
      reward: meanSe(nums(good.map((a) => a.reward))),
      baselineReward: meanSe(nums(good.map((a) => a.baselineReward))),
      kl,
      exact,
      diversity: meanSe(good.map((a) => a.diversity)),
      distinct: good.length ? new Set(good.map((a) => a.text)).size / good.length : null,
      coherence: meanSe(nums(good.map((a) => a.coherence))),
      heldOut: heldOutOf(good),
      steered: steeredShare(good),
      vsReference,
      judge: js.length ? countOutcomes(js.map((j) => j.outcome)) : null,
      cost: {
        modelTokensPerOutputToken: outTok ? sum(good.map((a) => a.modelTokens)) / outTok : NaN,
        requestsPerAnswer: good.length ? sum(good.map((a) => a.requests)) / good.length : NaN,
        rewardCallsPerAnswer: good.length ? sum(good.map((a) => a.rewardCalls)) / good.length : NaN,
        rewardInputsPerOutputToken: outTok ? sum(good.map((a) => a.rewardInputs)) / outTok : NaN,
        wallMsPerAnswer: good.length ? sum(good.map((a) => a.wallMs)) / good.length : NaN,
        outputTokensPerAnswer: good.length ? outTok / good.length : NaN,
        criticalPathMsPerAnswer: cp === null ? null : cp / good.length,
        criticalPathMsPerOutputToken: cp === null || !outTok ? null : cp / outTok,
      },
      frontier: { cost: false, kl: false },
    };
  });
  const mark = (cost: (p: PointSummary) => number | undefined, set: (p: PointSummary) => void) => {
    const cands = points.filter((p) => p.reward && cost(p) !== undefined && Number.isFinite(cost(p)!));
    for (const i of paretoFrontier(cands.map((p) => ({ cost: cost(p)!, value: p.reward!.mean })))) set(cands[i]!);
  };
  mark((p) => p.cost.modelTokensPerOutputToken, (p) => (p.frontier.cost = true));
  mark((p) => p.kl?.mean, (p) => (p.frontier.kl = true));
  return { reference, points };
}

/** An answer's held-out score; a record written before the field existed has its fluency from logBase. */
function steeredShare(good: readonly AnswerRecord[]): number | null {
  const gated = sum(good.map((a) => a.steered?.gated ?? 0));
  return gated ? sum(good.map((a) => a.steered?.steered ?? 0)) / gated : null;
}

export function heldOutValue(a: AnswerRecord): { name: string; value: number | null } {
  return a.heldOut ?? { name: 'fluency', value: fluency(a.logBase, a.outputTokens) };
}

function heldOutOf(good: readonly AnswerRecord[]): (MeanSe & { name: string }) | null {
  const hs = good.map(heldOutValue);
  const m = meanSe(nums(hs.map((h) => h.value)));
  return m ? { ...m, name: [...new Set(hs.map((h) => h.name))].join('+') } : null;
}

function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
export const fmtMeanSe = (m: MeanSe | null, d = 3) => (m ? `${f(m.mean, d)} ± ${m.se === null ? '—' : f(m.se, d)}` : '—');
export const fmtWtl = (w: WinTieLoss | null) => (w && w.n ? `${w.win}/${w.tie}/${w.loss}` : '—');

/** The summary table `tqstar eval` prints: one row per point, best mean reward first. */
export function summaryTable(s: EvalSummary): string {
  const rows = [...s.points].sort((a, b) => (b.reward?.mean ?? -Infinity) - (a.reward?.mean ?? -Infinity));
  const hasExact = rows.some((p) => p.exact);
  const hasBl = rows.some((p) => p.baselineReward);
  const hasCoh = rows.some((p) => p.coherence);
  const hasJudge = rows.some((p) => p.judge);
  const hasCp = rows.some((p) => p.cost.criticalPathMsPerAnswer !== null);
  const hasHeld = rows.some((p) => p.heldOut);
  const hasGate = rows.some((p) => p.steered !== null);
  const heldName = [...new Set(rows.flatMap((p) => (p.heldOut ? [p.heldOut.name] : [])))].join('+');
  const cols: { title: string; right?: boolean; cell: (p: PointSummary) => string }[] = [
    { title: 'point', cell: (p) => p.label },
    { title: 'n', right: true, cell: (p) => String(p.answers - p.errors) + (p.errors ? ` (+${p.errors} err)` : '') },
    { title: 'reward', right: true, cell: (p) => fmtMeanSe(p.reward) },
    ...(hasBl ? [{ title: 'r_BL', right: true, cell: (p: PointSummary) => fmtMeanSe(p.baselineReward) }] : []),
    { title: 'KL', right: true, cell: (p) => (p.kl ? `${fmtMeanSe(p.kl, 2)} ${p.kl.estimators.join('+')}` : '—') },
    ...(hasExact
      ? [
          { title: 'exact E[r]', right: true, cell: (p: PointSummary) => f(p.exact?.reward) },
          { title: 'exact KL', right: true, cell: (p: PointSummary) => f(p.exact?.kl) },
          { title: 'exact obj.', right: true, cell: (p: PointSummary) => f(p.exact?.objective) },
        ]
      : []),
    { title: `W/T/L vs ${s.reference ? (s.points.find((p) => p.point === s.reference)?.label ?? 'ref') : 'ref'}`, right: true, cell: (p) => fmtWtl(p.vsReference) },
    ...(hasJudge ? [{ title: 'judge W/T/L', right: true, cell: (p: PointSummary) => fmtWtl(p.judge) }] : []),
    { title: 'diversity', right: true, cell: (p) => fmtMeanSe(p.diversity) },
    { title: 'distinct', right: true, cell: (p) => f(p.distinct, 2) },
    ...(hasCoh ? [{ title: 'coherence', right: true, cell: (p: PointSummary) => fmtMeanSe(p.coherence) }] : []),
    ...(hasHeld ? [{ title: `held-out (${heldName})`, right: true, cell: (p: PointSummary) => fmtMeanSe(p.heldOut) }] : []),
    ...(hasGate ? [{ title: 'steered', right: true, cell: (p: PointSummary) => (p.steered === null ? '—' : `${Math.round(p.steered * 100)} %`) }] : []),
    { title: 'tok/out', right: true, cell: (p) => f(p.cost.modelTokensPerOutputToken, 1) },
    { title: 'req/ans', right: true, cell: (p) => f(p.cost.requestsPerAnswer, 1) },
    { title: 'rw/ans', right: true, cell: (p) => f(p.cost.rewardCallsPerAnswer, 1) },
    { title: 'rw-in/out', right: true, cell: (p) => f(p.cost.rewardInputsPerOutputToken, 1) },
    { title: 'ms/ans', right: true, cell: (p) => f(p.cost.wallMsPerAnswer, 0) },
    ...(hasCp
      ? [
          { title: 'CP ms/ans', right: true, cell: (p: PointSummary) => f(p.cost.criticalPathMsPerAnswer, 0) },
          { title: 'CP ms/tok', right: true, cell: (p: PointSummary) => f(p.cost.criticalPathMsPerOutputToken, 1) },
        ]
      : []),
    { title: 'front', cell: (p) => [p.frontier.cost ? 'C' : '', p.frontier.kl ? 'K' : ''].join('') || '' },
  ];
  const cells = rows.map((p) => cols.map((c) => c.cell(p)));
  const w = cols.map((c, j) => Math.max([...c.title].length, ...cells.map((r) => [...r[j]!].length)));
  const line = (xs: string[]) => xs.map((x, j) => (cols[j]!.right ? x.padStart(w[j]!) : x.padEnd(w[j]!))).join('  ').trimEnd();
  return [line(cols.map((c) => c.title)), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}
