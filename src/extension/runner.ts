// One decoding run from the editor: settings → buildEnv → runStrategies, streamed into the panel with progress, Cancel and a status-bar item.
import * as vscode from 'vscode';
import type { RunConfig, StrategyName } from '../config/schema';
import { runStrategies } from '../core';
import type { DecodeEvent, RunResult } from '../core/events';
import { buildEnv } from '../backends';
import type { RunView, RunStatus, ErrorView } from '../webview/protocol';
import { STRATEGY_LABELS } from '../webview/labels';
import { applyEvent, finishRun } from '../webview/runState';
import type { Ctx } from './ctx';
import { errorInfo, showError } from './errorsUi';
import { vscodeLmReward } from './vscodeLm';
import type { Role } from './apiKeys';

export interface RunRequest {
  prompt: string;
  /** Defaults to the configured tqstar.strategies. */
  strategies?: StrategyName[];
  /** Defaults to the settings (the demo passes its own). */
  config?: RunConfig;
}

let counter = 0;

/** A request log line: role, method, URL, status, time. buildEnv never puts keys in these fields. */
export function formatRequestLine(l: { role: string; method: string; url: string; status: number | string; ms: number }): string {
  return `${l.role} ${l.method} ${l.url} → ${l.status} (${Math.round(l.ms)} ms)`;
}

/** The run's final status: cancelled wins, then any failed strategy makes it an error (its partial output is still shown). */
export function runStatus(aborted: boolean, result: RunResult | null): { status: RunStatus; error?: ErrorView } {
  if (aborted) return { status: 'cancelled' };
  const failed = result?.results.find((r) => r.finish === 'error' || r.error);
  return failed ? { status: 'error', error: failed.error ?? { kind: 'internal', message: `${failed.strategy} failed` } } : { status: 'done' };
}

export async function startRun(ctx: Ctx, req: RunRequest): Promise<RunView | null> {
  let config: RunConfig;
  try {
    config = req.config ?? ctx.config.runConfig();
  } catch (e) {
    void showError(e, ctx.log);
    return null;
  }
  // tqstar first: it is the method, and the panel's diagnostics are about it.
  const asked = req.strategies ?? config.strategies;
  const strategies: StrategyName[] = asked.includes('tqstar') ? ['tqstar', ...asked.filter((s) => s !== 'tqstar')] : asked;
  ctx.cancel();
  const abort = new AbortController();
  ctx.active = abort;
  const run: RunView = { id: `${Date.now().toString(36)}-${++counter}`, prompt: req.prompt, strategies, startedAt: Date.now(), status: 'running', results: [], stats: null };
  ctx.panel.startRun(run);
  void vscode.commands.executeCommand('setContext', 'tqstar.running', true);
  ctx.statusBar.text = '$(loading~spin) Transfer Q*';
  ctx.statusBar.tooltip = 'Transfer Q* is decoding — click to cancel';
  ctx.statusBar.show();
  ctx.log.info(`run ${run.id}: ${strategies.join(', ')} on a ${req.prompt.length}-character prompt`);

  // The runner's own copy of the view: the panel may be showing another run by the time this one ends.
  let view = run;
  let final: RunView | null = null;
  let failure: ErrorView | undefined;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Transfer Q*', cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: 'connecting…' });
      const built = await buildEnv(config, {
        apiKey: (role: Role) => ctx.keys.get(role),
        log: (line) => ctx.log.info(formatRequestLine(line)),
        rewardFactories: { 'vscode-lm': vscodeLmReward },
        signal: abort.signal,
      });
      try {
        for (const w of built.warnings) ctx.log.warn(w);
        const tokens = new Map<StrategyName, number>();
        const onEvent = (ev: DecodeEvent) => {
          view = applyEvent(view, ev);
          ctx.panel.event(run.id, ev);
          if (ev.type === 'step') {
            const n = (tokens.get(ev.strategy) ?? 0) + 1 + ev.step.accepted.length;
            tokens.set(ev.strategy, n);
            const msg = `${STRATEGY_LABELS[ev.strategy]}: ${n} tokens`;
            progress.report({ message: msg });
            ctx.statusBar.text = `$(loading~spin) TQ* ${msg}`;
          } else if (ev.type === 'warning') ctx.log.warn(`${ev.strategy ?? 'run'}: ${ev.message}`);
          else if (ev.type === 'end') ctx.log.info(`${ev.result.strategy}: ${ev.result.finish}, reward ${ev.result.reward ?? '—'}, ${ev.result.stats.requests} requests, ${ev.result.stats.wallMs.toFixed(0)} ms`);
        };
        const result = await runStrategies(strategies, { text: req.prompt }, built.env, config.decoding, { signal: abort.signal, onEvent });
        const { status, error } = runStatus(abort.signal.aborted, result);
        failure = error;
        final = finishRun(view, status, result, error);
        ctx.panel.endRun(run.id, status, result, error);
      } finally {
        built.dispose();
      }
    });
  } catch (e) {
    const info = errorInfo(e);
    failure = abort.signal.aborted ? undefined : info;
    const status = abort.signal.aborted ? 'cancelled' : 'error';
    final = finishRun(view, status, null, failure);
    ctx.panel.endRun(run.id, status, null, failure);
  } finally {
    if (ctx.active === abort) {
      ctx.active = undefined;
      ctx.statusBar.hide();
      void vscode.commands.executeCommand('setContext', 'tqstar.running', false);
    }
  }
  if (final) {
    await ctx.history.add(final);
    ctx.historyView.refresh();
  }
  if (failure) void showError(failure, ctx.log);
  return final;
}
