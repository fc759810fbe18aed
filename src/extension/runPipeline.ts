// A run without VS Code: RunConfig → buildEnv → runStrategies, folding streamed events into a RunView; never throws.
import type { RunConfig, StrategyName } from '../config/schema';
import { runStrategies } from '../core';
import type { DecodeEvent, RunResult } from '../core/events';
import { buildEnv, engineCrashError, type BackendOptions } from '../backends';
import type { ErrorView, RunStatus, RunView } from '../webview/protocol';
import { applyEvent, finishRun } from '../webview/runState';
import { STRATEGY_LABELS } from '../webview/labels';
import { TqError, isAbort } from '../core/errors';
import { explainModelError, explainNotAModelServer } from './modelCheck';
import { preflight } from './preflight';
import type { Capabilities } from '../backends/capabilities';

export interface PipelineHooks extends Pick<BackendOptions, 'apiKey' | 'log' | 'rewardFactories' | 'engines' | 'baseDir'> {
  /** After each decoder event, with the view it produced. */
  onEvent?: (event: DecodeEvent, view: RunView) => void;
  /** Backend warnings (capability notes, re-tokenisation). */
  onWarning?: (message: string) => void;
  /**
   * Before any strategy runs, when the probed capabilities say some may fail mid-run: go on as
   * configured, switch to the proposer that avoids it ('fix'), or stop. Default: go on.
   */
  onRisk?: (risk: ErrorView & { strategies: StrategyName[] }) => Promise<'run' | 'fix' | 'stop'>;
}

export interface PipelineOutcome {
  view: RunView;
  result: RunResult | null;
  status: RunStatus;
  error?: ErrorView;
}

let counter = 0;

/** tqstar first: it is the method, and the panel's diagnostics are about it. */
export function orderStrategies(asked: readonly StrategyName[]): StrategyName[] {
  return asked.includes('tqstar') ? ['tqstar', ...asked.filter((s) => s !== 'tqstar')] : [...asked];
}

export function newRun(prompt: string, strategies: StrategyName[], now = Date.now()): RunView {
  return { id: `${now.toString(36)}-${++counter}`, prompt, strategies, startedAt: now, status: 'running', results: [], stats: null };
}

export function errorInfo(e: unknown): ErrorView {
  if (e instanceof TqError) return e.toInfo();
  if (isAbort(e)) return { kind: 'aborted', message: 'cancelled' };
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/**
 * The run's final status: cancelled wins, then any failed strategy makes it an error (its partial
 * output is still shown). The error names the strategy that failed.
 */
export function runStatus(aborted: boolean, result: RunResult | null): { status: RunStatus; error?: ErrorView } {
  if (aborted) return { status: 'cancelled' };
  const failed = result?.results.find((r) => r.finish === 'error' || r.error);
  if (!failed) return { status: 'done' };
  const e = failed.error ?? { kind: 'internal', message: 'failed' };
  return { status: 'error', error: { ...e, message: `${STRATEGY_LABELS[failed.strategy]}: ${e.message}` } };
}

/**
 * The run as "Use Proposer base for This Run" leaves it: its settings say proposer "base", and the warnings that said to
 * set the proposer to base are gone (this run does). The panel and the history both show this view.
 */
export function withProposerBase(view: RunView): RunView {
  return {
    ...view,
    ...(view.config ? { config: { ...view.config, decoding: { ...view.config.decoding, proposer: 'base' as const } } } : {}),
    ...(view.warnings ? { warnings: view.warnings.filter((w) => !/proposer to "?base"?/i.test(w)) } : {}),
  };
}

export async function runPipeline(run: RunView, config: RunConfig, signal: AbortSignal, hooks: PipelineHooks = {}): Promise<PipelineOutcome> {
  let view = run;
  try {
    const built = await buildEnv(config, { apiKey: hooks.apiKey, log: hooks.log, rewardFactories: hooks.rewardFactories, engines: hooks.engines, baseDir: hooks.baseDir, signal });
    try {
      // Run-level notes go to the view once, before any strategy starts, not onto every card.
      for (const w of built.warnings) {
        hooks.onWarning?.(w);
        const ev: DecodeEvent = { type: 'warning', message: w };
        view = applyEvent(view, ev);
        hooks.onEvent?.(ev, view);
      }
      const check = preflight(config, run.strategies, (built.env.base as { caps?: Capabilities }).caps, (config.base.baseUrl ?? config.base.gguf ?? '').toString());
      if (check.fatal) return { view: finishRun(view, 'error', null, check.fatal), result: null, status: 'error', error: check.fatal };
      let decoding = config.decoding;
      if (check.risk && hooks.onRisk) {
        const choice = await hooks.onRisk(check.risk);
        if (choice === 'stop') return { view: finishRun(view, 'cancelled', null), result: null, status: 'cancelled' };
        if (choice === 'fix') {
          decoding = { ...decoding, proposer: 'base' };
          view = withProposerBase(view);
        }
      }
      const result = await runStrategies(run.strategies, { text: run.prompt }, built.env, decoding, {
        signal,
        onEvent: (ev) => {
          view = applyEvent(view, ev);
          hooks.onEvent?.(ev, view);
        },
      });
      const { status, error: failed } = runStatus(signal.aborted, result);
      const error = failed && (await explain(failed, config, hooks, signal));
      return { view: finishRun(view, status, result, error), result, status, ...(error ? { error } : {}) };
    } finally {
      await built.dispose();
    }
  } catch (e) {
    if (signal.aborted || isAbort(e)) return { view: finishRun(view, 'cancelled', null), result: null, status: 'cancelled' };
    const error = await explain(errorInfo(e), config, hooks, signal);
    return { view: finishRun(view, 'error', null, error), result: null, status: 'error', error };
  }
}

/**
 * A failed request to a local engine that died is reported as the engine's crash (naming its model files); a 404 from a
 * model endpoint is checked against the models the server lists (a wrong model name, mostly).
 */
async function explain(error: ErrorView, config: RunConfig, hooks: PipelineHooks, signal: AbortSignal): Promise<ErrorView> {
  try {
    const crash = hooks.engines ? await engineCrashError(hooks.engines, error, config) : null;
    if (crash) return crash;
    return explainNotAModelServer(await explainModelError(error, config, (role) => hooks.apiKey?.(role), signal), config);
  } catch {
    return explainNotAModelServer(error, config);
  }
}
