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

/** Rewards closer than this are a tie: the order between them is a tie-break, not a result. */
export const TIE_EPS = 1e-9;

/**
 * Competition ranks over ranked results (best first, as rankResults orders them): tied rewards share
 * a rank ("1, 1, 3"), and each result lists the others it is tied with.
 */
export function tiedRanks(scored: ResultView[]): Map<ResultView, { rank: number; tiedWith: ResultView[] }> {
  const out = new Map<ResultView, { rank: number; tiedWith: ResultView[] }>();
  scored.forEach((r, i) => {
    const tiedWith = scored.filter((o) => o !== r && Math.abs(o.reward! - r.reward!) <= TIE_EPS);
    const first = scored.findIndex((o) => Math.abs(o.reward! - r.reward!) <= TIE_EPS);
    out.set(r, { rank: first < 0 ? i : first, tiedWith });
  });
  return out;
}

export interface RewardScale {
  kind: 'unit' | 'logistic';
  /** Where a reward sits on the bar, 0..1. */
  frac(reward: number): number;
}

/**
 * A bar scale that means the same in every run: rewards in [0, 1] (the built-in ones, probabilities)
 * on 0–1; anything else through the logistic σ(r), which is 0.5 at r = 0. Never the run's own min–max.
 */
export function rewardScale(rewards: number[]): RewardScale {
  if (rewards.every((r) => r >= 0 && r <= 1)) return { kind: 'unit', frac: (r) => Math.min(1, Math.max(0, r)) };
  return { kind: 'logistic', frac: (r) => 1 / (1 + Math.exp(-r)) };
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

const now = () => Date.now();

/** Ends a run: the final results replace the streamed ones, but a strategy the final set lacks keeps what streamed (a failed run shows what it decoded). */
export function finishRun(run: RunView, status: RunStatus, result: RunResultView | null, error?: ErrorView): RunView {
  const finals = result?.results ?? [];
  const kept = run.results.filter((r) => !finals.some((f) => f.strategy === r.strategy)).map((r) => (r.finish === 'aborted' && status === 'error' ? { ...r, finish: 'error' as const } : r));
  const done = [...new Set([...(run.done ?? []), ...finals.map((f) => f.strategy)])];
  return { ...run, status, results: rankResults([...finals, ...kept]), done, stats: result?.stats ?? run.stats, finishedAt: run.finishedAt ?? now(), ...(error ? { error } : {}) };
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

/**
 * The prompt followed by its continuation, as one text: what "Replace Prompt" writes. The continuation
 * was generated right after the prompt, so it is appended as is, except that a prompt already ending
 * in whitespace does not get a second space from the continuation's leading one.
 */
export function joinContinuation(prompt: string, continuation: string): string {
  if (/\s$/.test(prompt) && /^[ \t]/.test(continuation)) return prompt + continuation.replace(/^[ \t]+/, '');
  return prompt + continuation;
}
