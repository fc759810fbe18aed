// A run without VS Code: RunConfig → buildEnv → runStrategies, folding streamed events into a RunView; never throws.
import type { RunConfig, StrategyName } from '../config/schema';
import { runStrategies } from '../core';
import type { DecodeEvent, RunResult } from '../core/events';
import { buildEnv, type BackendOptions } from '../backends';
import type { ErrorView, RunStatus, RunView } from '../webview/protocol';
import { applyEvent, finishRun } from '../webview/runState';
import { TqError, isAbort } from '../core/errors';

export interface PipelineHooks extends Pick<BackendOptions, 'apiKey' | 'log' | 'rewardFactories' | 'engines' | 'baseDir'> {
  /** After each decoder event, with the view it produced. */
  onEvent?: (event: DecodeEvent, view: RunView) => void;
  /** Backend warnings (capability notes, re-tokenisation). */
  onWarning?: (message: string) => void;
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

/** The run's final status: cancelled wins, then any failed strategy makes it an error (its partial output is still shown). */
export function runStatus(aborted: boolean, result: RunResult | null): { status: RunStatus; error?: ErrorView } {
  if (aborted) return { status: 'cancelled' };
  const failed = result?.results.find((r) => r.finish === 'error' || r.error);
  return failed ? { status: 'error', error: failed.error ?? { kind: 'internal', message: `${failed.strategy} failed` } } : { status: 'done' };
}

export async function runPipeline(run: RunView, config: RunConfig, signal: AbortSignal, hooks: PipelineHooks = {}): Promise<PipelineOutcome> {
  let view = run;
  try {
    const built = await buildEnv(config, { apiKey: hooks.apiKey, log: hooks.log, rewardFactories: hooks.rewardFactories, engines: hooks.engines, baseDir: hooks.baseDir, signal });
    try {
      for (const w of built.warnings) hooks.onWarning?.(w);
      const result = await runStrategies(run.strategies, { text: run.prompt }, built.env, config.decoding, {
        signal,
        onEvent: (ev) => {
          view = applyEvent(view, ev);
          hooks.onEvent?.(ev, view);
        },
      });
      const { status, error } = runStatus(signal.aborted, result);
      return { view: finishRun(view, status, result, error), result, status, ...(error ? { error } : {}) };
    } finally {
      await built.dispose();
    }
  } catch (e) {
    if (signal.aborted || isAbort(e)) return { view: finishRun(view, 'cancelled', null), result: null, status: 'cancelled' };
    const error = errorInfo(e);
    return { view: finishRun(view, 'error', null, error), result: null, status: 'error', error };
  }
}
