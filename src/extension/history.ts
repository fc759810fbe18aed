// Run history kept in workspace storage, bounded in count and in size (old runs lose their per-token diagnostics first),
// and beside it the evaluations (Evaluate on Prompt Set), bounded the same way (old ones lose their listed answers first).
import { z } from 'zod';
import { StrategyName } from '../config/schema';
import { EvalView } from '../webview/evalProtocol';
import { rankResults } from '../webview/runState';
import { runSummary } from '../webview/progress';
import type { HistorySummary, RunView } from '../webview/protocol';

/** The slice of vscode.Memento history needs (workspaceState in the extension, a Map in tests). */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface HistoryLimits {
  maxRuns: number;
  /** Upper bound on the stored JSON, in UTF-16 code units (≈ bytes for mostly-ASCII text). */
  maxChars: number;
}
export const DEFAULT_LIMITS: HistoryLimits = { maxRuns: 50, maxChars: 2_000_000 };

const KEY = 'tqstar.history.v1';
const EVAL_KEY = 'tqstar.evalHistory.v1';
export const DEFAULT_EVAL_LIMITS: HistoryLimits = { maxRuns: 20, maxChars: 2_000_000 };

/** One evaluation as the history keeps it: what was evaluated and the panel's view of the result. */
export const EvalRecord = z.object({
  kind: z.literal('eval'),
  id: z.string().max(200),
  startedAt: z.number(),
  status: z.enum(['done', 'cancelled', 'error']),
  /** The prompt set: "built-in set" or the file's path. */
  source: z.string().max(2000),
  prompts: z.number().int().nonnegative(),
  /** Which models: a built-in world's name, or the configured endpoints in a few words. */
  models: z.string().max(2000),
  strategies: z.array(StrategyName),
  /** How many answers were finished, of how many. */
  answers: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  error: z.string().max(4000).optional(),
  /** The panel's view: the result, or for a failed evaluation the points finished before it failed (null: none). */
  view: EvalView.nullable(),
  /** This record's own copy of the HTML report, when the evaluation wrote one. */
  report: z.string().max(4096).optional(),
  /** The listed answers were dropped to keep the history within its size bound (the report still has them). */
  trimmed: z.boolean().optional(),
});
export type EvalRecord = z.infer<typeof EvalRecord>;

/** The best point of an evaluation by mean reward: its label and reward. */
function bestPoint(view: EvalView | null): { label: string; strategy: StrategyName; reward: number } | null {
  let best: { label: string; strategy: StrategyName; reward: number } | null = null;
  for (const p of view?.points ?? []) if (p.reward && (best === null || p.reward.mean > best.reward)) best = { label: p.label, strategy: p.strategy, reward: p.reward.mean };
  return best;
}

export function summarizeEval(e: EvalRecord): HistorySummary {
  const best = bestPoint(e.view);
  return {
    kind: 'eval',
    id: e.id,
    // The prompt set names the entry (a long path by its end, where the file name is); its size goes under it.
    prompt: e.source.length > 120 ? `…${e.source.slice(-119)}` : e.source,
    prompts: e.prompts,
    strategies: e.strategies,
    bestReward: best?.reward ?? null,
    bestStrategy: best?.strategy ?? null,
    ...(best ? { bestLabel: best.label.slice(0, 200) } : {}),
    points: e.view?.points.length ?? 0,
    startedAt: e.startedAt,
    status: e.status,
    detail: `${e.models.slice(0, 200)} · ${e.answers.done}/${e.answers.total} answers${e.error ? ` · failed: ${e.error.slice(0, 200)}` : ''}`.slice(0, 500),
  };
}

export function summarize(run: RunView): HistorySummary {
  const best = rankResults(run.results)[0];
  return {
    id: run.id,
    prompt: run.prompt.slice(0, 200),
    strategies: run.strategies,
    bestReward: best?.reward ?? null,
    bestStrategy: best && best.reward !== null ? best.strategy : null,
    startedAt: run.startedAt,
    status: run.status,
    ...(run.config ? { detail: runSummary(run).filter(([k]) => ['π_base', 'reward', 'α', 'seed'].includes(k)).map(([k, v]) => `${k} ${k === 'π_base' ? v.split(' @ ')[0] : v}`).join(' · ') } : {}),
  };
}

const size = (x: unknown) => JSON.stringify(x).length;

function withoutRollouts(run: RunView): RunView {
  return { ...run, trimmed: true, results: run.results.map((r) => ({ ...r, steps: r.steps.map((s) => ({ ...s, candidates: s.candidates.map((c) => ({ ...c, rollouts: [] })) })) })) };
}
function withoutSteps(run: RunView): RunView {
  return { ...run, trimmed: true, results: run.results.map((r) => ({ ...r, steps: [] })) };
}

/**
 * Newest first. Keeps at most maxRuns; while over maxChars, applies each trim in turn to the oldest entry first (a trim
 * returns the entry without some of its bulky detail, or the entry itself when it has none left), then drops the oldest.
 */
function bound<T>(entries: T[], limits: HistoryLimits, trims: ReadonlyArray<(x: T) => T>): T[] {
  const out = entries.slice(0, limits.maxRuns);
  let total = size(out);
  for (const trim of trims) {
    for (let i = out.length - 1; i >= 0 && total > limits.maxChars; i--) {
      const before = size(out[i]);
      out[i] = trim(out[i]!);
      total += size(out[i]) - before;
    }
  }
  while (out.length && total > limits.maxChars) total -= size(out.pop()) + 1;
  return out;
}

/**
 * Runs: old ones lose their diagnostics (rollouts first, then whole steps) before any run is dropped.
 * The outputs, rewards and costs of kept runs are never altered.
 */
export function boundHistory(runs: RunView[], limits: HistoryLimits = DEFAULT_LIMITS): RunView[] {
  return bound(runs, limits, [withoutRollouts, withoutSteps]);
}

function withoutAnswers(e: EvalRecord): EvalRecord {
  return e.view && !e.trimmed ? { ...e, trimmed: true, view: { ...e.view, answers: {} } } : e;
}

/** Evaluations: old ones lose the answers listed per point (their points are kept) before any is dropped. */
export function boundEvals(evals: EvalRecord[], limits: HistoryLimits = DEFAULT_EVAL_LIMITS): EvalRecord[] {
  return bound(evals, limits, [withoutAnswers]);
}

export class HistoryStore {
  constructor(private readonly memento: Memento, private readonly limits: HistoryLimits = DEFAULT_LIMITS, private readonly evalLimits: HistoryLimits = DEFAULT_EVAL_LIMITS) {}

  runs(): RunView[] {
    const v = this.memento.get<RunView[]>(KEY);
    return Array.isArray(v) ? v : [];
  }
  /** The stored evaluations, newest first; a record that does not parse (another version's, or damaged) is left out. */
  evals(): EvalRecord[] {
    const v = this.memento.get<unknown[]>(EVAL_KEY);
    if (!Array.isArray(v)) return [];
    return v.flatMap((x) => {
      const r = EvalRecord.safeParse(x);
      return r.success ? [r.data] : [];
    });
  }
  /** Runs and evaluations together, newest first. */
  list(): HistorySummary[] {
    return [...this.runs().map(summarize), ...this.evals().map(summarizeEval)].sort((a, b) => b.startedAt - a.startedAt);
  }
  get(id: string): RunView | undefined {
    return this.runs().find((r) => r.id === id);
  }
  async add(run: RunView): Promise<void> {
    await this.memento.update(KEY, boundHistory([run, ...this.runs().filter((r) => r.id !== run.id)], this.limits));
  }
  getEval(id: string): EvalRecord | undefined {
    return this.evals().find((e) => e.id === id);
  }
  /** Stores an evaluation, newest first, within the bound (the report copies of dropped ones go with pruneEvalReports). */
  async addEval(e: EvalRecord): Promise<void> {
    await this.memento.update(EVAL_KEY, boundEvals([EvalRecord.parse(e), ...this.evals().filter((x) => x.id !== e.id)], this.evalLimits));
  }
  async clear(): Promise<void> {
    await this.memento.update(KEY, []);
    await this.memento.update(EVAL_KEY, []);
  }
}
