// How a run's view evolves as host messages arrive: pure functions over RunView, shared by the panel and by history.
import type { DecodeEventView, ErrorView, PanelToHost, ResultView, RunResultView, RunStatus, RunView } from './protocol';
import type { StrategyName } from '../config/schema';

function emptyResult(strategy: StrategyName): ResultView {
  return { strategy, text: '', tokens: [], reward: null, steps: [], stats: { requests: 0, modelTokens: 0, wallMs: 0 }, finish: 'aborted', warnings: [] };
}

/** Results best first by reward; unscored ones last, keeping their arrival order (the core's order too). */
export function rankResults(results: ResultView[]): ResultView[] {
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.reward === null ? 1 : 0) - (b.r.reward === null ? 1 : 0) || (b.r.reward ?? 0) - (a.r.reward ?? 0) || a.i - b.i)
    .map(({ r }) => r);
}

/** Applies one streamed decoder event; returns a new RunView (the input is not modified). */
export function applyEvent(run: RunView, event: DecodeEventView): RunView {
  if (event.type === 'warning') {
    if (!event.strategy) return run;
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
  return updateResult(run, event.strategy, () => event.result);
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
  return { ...run, status, results: rankResults([...finals, ...kept]), stats: result?.stats ?? run.stats, ...(error ? { error } : {}) };
}

/** The `tqstar decode --json` document for a run: {results, stats}. */
export function exportDocument(run: RunView): RunResultView {
  const results = rankResults(run.results);
  const stats = run.stats ?? results.reduce((s, r) => ({ requests: s.requests + r.stats.requests, modelTokens: s.modelTokens + r.stats.modelTokens, wallMs: Math.max(s.wallMs, r.stats.wallMs) }), { requests: 0, modelTokens: 0, wallMs: 0 });
  return { results, stats };
}

/**
 * Whether a panel message refers only to outputs the run really has: the host acts on text it
 * already holds, so a compromised webview cannot have arbitrary text inserted or copied.
 */
export function refersToRun(msg: Extract<PanelToHost, { type: 'output' | 'diff' }>, run: RunView | null): boolean {
  const refs = msg.type === 'output' ? [msg.output] : [msg.left, msg.right];
  return !!run && refs.every((ref) => run.results.some((r) => r.strategy === ref.strategy && r.text === ref.text));
}
