// Run history kept in workspace storage, bounded in count and in size (old runs lose their per-token diagnostics first).
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
 * Newest first. Keeps at most maxRuns; while over maxChars, strips diagnostics from the oldest
 * run that still has them (rollouts first, then whole steps), then drops the oldest runs.
 * The outputs, rewards and costs of kept runs are never altered.
 */
export function boundHistory(runs: RunView[], limits: HistoryLimits = DEFAULT_LIMITS): RunView[] {
  const out = runs.slice(0, limits.maxRuns);
  let total = size(out);
  for (const trim of [withoutRollouts, withoutSteps]) {
    for (let i = out.length - 1; i >= 0 && total > limits.maxChars; i--) {
      const before = size(out[i]);
      out[i] = trim(out[i]!);
      total += size(out[i]) - before;
    }
  }
  while (out.length && total > limits.maxChars) total -= size(out.pop()) + 1;
  return out;
}

export class HistoryStore {
  constructor(private readonly memento: Memento, private readonly limits: HistoryLimits = DEFAULT_LIMITS) {}

  runs(): RunView[] {
    const v = this.memento.get<RunView[]>(KEY);
    return Array.isArray(v) ? v : [];
  }
  list(): HistorySummary[] {
    return this.runs().map(summarize);
  }
  get(id: string): RunView | undefined {
    return this.runs().find((r) => r.id === id);
  }
  async add(run: RunView): Promise<void> {
    await this.memento.update(KEY, boundHistory([run, ...this.runs().filter((r) => r.id !== run.id)], this.limits));
  }
  async clear(): Promise<void> {
    await this.memento.update(KEY, []);
  }
}
