// The per-answer and paired metrics of an evaluation: diversity, coherence, KL along the answer, win/tie/loss, judge order.
import { deriveSeed } from '../core/rng';

/** Words and punctuation marks, the way nltk.word_tokenize splits plain English closely enough for n-gram counts. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)*|[^\sa-z0-9]/g) ?? [];
}

/** rep_n = 100·(1 − unique n-grams / (total n-grams + 1)), as in the paper's code (the +1 included). */
export function repN(tokens: readonly string[], n: number): number {
  const total = Math.max(0, tokens.length - n + 1);
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(tokens.slice(i, i + n).join('\u0000'));
  return 100 * (1 - seen.size / (total + 1));
}

/** diversity = Π_{n=2..4} (1 − rep_n/100) of one answer (ALGORITHM.md, "Evaluation metrics"). */
export function diversity(text: string): number {
  const t = words(text);
  let d = 1;
  for (let n = 2; n <= 4; n++) d *= 1 - repN(t, n) / 100;
  return d;
}

/** Cosine similarity; null when either vector is zero (nothing to compare). */
export function cosine(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new RangeError(`embedding sizes differ: ${a.length} vs ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? null : ab / Math.sqrt(aa * bb);
}

export type Outcome = 'win' | 'tie' | 'loss';

/** A candidate's reward against the reference's on the same prompt and seed; equal within `tol` is a tie. */
export function compareRewards(candidate: number, reference: number, tol = 1e-9): Outcome {
  return Math.abs(candidate - reference) <= tol ? 'tie' : candidate > reference ? 'win' : 'loss';
}

export interface WinTieLoss {
  win: number;
  tie: number;
  loss: number;
  n: number;
  /** (win + tie) / n: the paper's "win-tie" rate; null without pairs. */
  winTie: number | null;
}

export function countOutcomes(outcomes: readonly Outcome[]): WinTieLoss {
  const c = { win: 0, tie: 0, loss: 0 };
  for (const o of outcomes) c[o]++;
  const n = outcomes.length;
  return { ...c, n, winTie: n ? (c.win + c.tie) / n : null };
}

/**
 * Whether the candidate's answer is shown to the judge first: a fair coin per pair, seeded by the
 * eval seed and the pair's key, so a rerun asks the same questions and position bias averages out.
 */
export function candidateFirst(seed: number, pairKey: string): boolean {
  return (deriveSeed(seed, 'judge-order', pairKey) & 1) === 1;
}

/** The judge's verdict on (first, second) turned into the candidate's outcome. */
export function judgeOutcome(verdict: 'first' | 'second' | 'tie', candidateWasFirst: boolean): Outcome {
  if (verdict === 'tie') return 'tie';
  return (verdict === 'first') === candidateWasFirst ? 'win' : 'loss';
}

/** Points not dominated: no other point has ≤ cost and ≥ value with one of them strict. Returns their indices. */
export function paretoFrontier(points: readonly { cost: number; value: number }[]): number[] {
  const out: number[] = [];
  points.forEach((p, i) => {
    if (!Number.isFinite(p.cost) || !Number.isFinite(p.value)) return;
    const dominated = points.some((q, j) => j !== i && Number.isFinite(q.cost) && Number.isFinite(q.value) && q.cost <= p.cost && q.value >= p.value && (q.cost < p.cost || q.value > p.value));
    if (!dominated) out.push(i);
  });
  return out;
}
