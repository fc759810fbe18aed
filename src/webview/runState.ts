// How a run's view evolves as host messages arrive: pure functions over RunView, shared by the panel and by history.
import type { DecodeEventView, ErrorView, PanelToHost, ResultView, RunResultView, RunStatus, RunView } from './protocol';
import type { RunConfig, StrategyName } from '../config/schema';

function emptyResult(strategy: StrategyName): ResultView {
  return { strategy, text: '', tokens: [], reward: null, steps: [], stats: { requests: 0, modelTokens: 0, wallMs: 0 }, finish: 'aborted', warnings: [] };
}

/** Whether a result competes in the ranking: it finished on its own (EOS, stop, max tokens) and has a reward. */
export function isRanked(r: ResultView, run?: Pick<RunView, 'status' | 'done'>): boolean {
  if (r.reward === null || !['eos', 'stop', 'maxTokens'].includes(r.finish)) return false;
  // While a run streams, only results whose final event arrived count (a streamed one is still growing).
  return !run || run.status !== 'running' || (run.done ?? []).includes(r.strategy);
}

/**
 * Finished results best first by reward; then the rest — still decoding, cut short by a cancel or
 * an error, or unscored — in arrival order (the core's order too). A partial text's reward is not
 * comparable with a finished one's, so it is never ranked.
 */
export function rankResults(results: ResultView[], run?: Pick<RunView, 'status' | 'done'>): ResultView[] {
  return results
    .map((r, i) => ({ r, i, ranked: isRanked(r, run) }))
    .sort((a, b) => Number(b.ranked) - Number(a.ranked) || (a.ranked ? b.r.reward! - a.r.reward! : 0) || a.i - b.i)
    .map(({ r }) => r);
}

/** Applies one streamed decoder event; returns a new RunView (the input is not modified). */
export function applyEvent(run: RunView, event: DecodeEventView): RunView {
  if (event.type === 'warning') {
    if (!event.strategy) return (run.warnings ?? []).includes(event.message) ? run : { ...run, warnings: [...(run.warnings ?? []), event.message] };
    return updateResult(run, event.strategy, (r) => ({ ...r, warnings: [...r.warnings, event.message] }));
  }
  if (event.type === 'start') return updateResult(run, event.strategy, (r) => r);
  if (event.type === 'step') {
    return updateResult(run, event.strategy, (r) => {
      const tokens = [...r.tokens, event.step.chosen, ...event.step.accepted];
      return {
        ...r,
        text: event.text,
        tokens,
        steps: [...r.steps, event.step],
        stats: { requests: r.stats.requests + event.step.requests, modelTokens: r.stats.modelTokens + event.step.modelTokens, wallMs: r.stats.wallMs + event.step.timing.wallMs },
      };
    });
  }
  const done = (run.done ?? []).includes(event.strategy) ? run.done : [...(run.done ?? []), event.strategy];
  return { ...updateResult(run, event.strategy, () => event.result), done };
}

function updateResult(run: RunView, strategy: StrategyName, f: (r: ResultView) => ResultView): RunView {
  const i = run.results.findIndex((r) => r.strategy === strategy);
  const results = [...run.results];
  if (i < 0) results.push(f(emptyResult(strategy)));
  else results[i] = f(results[i]!);
  return { ...run, results };
}

/** Ends a run: the final results replace the streamed ones, but a strategy the final set lacks keeps what streamed (a failed run shows what it decoded). */
export function finishRun(run: RunView, status: RunStatus, result: RunResultView | null, error?: ErrorView): RunView {
  const finals = result?.results ?? [];
  const kept = run.results.filter((r) => !finals.some((f) => f.strategy === r.strategy)).map((r) => (r.finish === 'aborted' && status === 'error' ? { ...r, finish: 'error' as const } : r));
  const done = [...new Set([...(run.done ?? []), ...finals.map((f) => f.strategy)])];
  return { ...run, status, results: rankResults([...finals, ...kept]), done, stats: result?.stats ?? run.stats, ...(error ? { error } : {}) };
}

/**
 * The export of a run: its configuration (a `tqstar decode --config` file: base, baseline, reward,
 * decoding, strategies as run) with the prompt, then the `tqstar decode --json` fields (results, stats).
 * `tqstar decode --config exported.json` re-runs it.
 */
export type ExportDocument = RunResultView & Partial<RunConfig> & { prompt: string; format: typeof EXPORT_FORMAT };
export const EXPORT_FORMAT = 'tqstar-run/1';

export function exportDocument(run: RunView): ExportDocument {
  const results = rankResults(run.results);
  const stats = run.stats ?? results.reduce((s, r) => ({ requests: s.requests + r.stats.requests, modelTokens: s.modelTokens + r.stats.modelTokens, wallMs: Math.max(s.wallMs, r.stats.wallMs) }), { requests: 0, modelTokens: 0, wallMs: 0 });
  const config = run.config ? { ...run.config, strategies: run.strategies } : {};
  return { format: EXPORT_FORMAT, ...config, prompt: run.prompt, results, stats };
}

/**
 * Whether a panel message refers only to outputs the run really has: the host acts on text it
 * already holds, so a compromised webview cannot have arbitrary text inserted or copied.
 */
export function refersToRun(msg: Extract<PanelToHost, { type: 'output' | 'diff' }>, run: RunView | null): boolean {
  const refs = msg.type === 'output' ? [msg.output] : [msg.left, msg.right];
  return !!run && refs.every((ref) => run.results.some((r) => r.strategy === ref.strategy && r.text === ref.text));
}
