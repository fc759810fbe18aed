// One decoding run from the editor: the run pipeline, streamed into the panel, with a progress notification, Cancel and a status-bar item.
import * as vscode from 'vscode';
import type { RunConfig, StrategyName } from '../config/schema';
import type { DecodeEvent } from '../core/events';
import type { RunView } from '../webview/protocol';
import { STRATEGY_LABELS } from '../webview/labels';
import type { EnginePool } from '../backends';
import type { Ctx } from './ctx';
import { showError } from './errorsUi';
import { vscodeLmReward } from './vscodeLm';
import { newRun, orderStrategies, runPipeline } from './runPipeline';
import { formatRequestLine } from './requestLog';

export interface RunRequest {
  prompt: string;
  /** Defaults to the configured tqstar.strategies. */
  strategies?: StrategyName[];
  /** Defaults to the settings (the demo passes its own). */
  config?: RunConfig;
  /** Local engines for gguf models; defaults to the one kept for the settings' files. */
  engines?: EnginePool;
}

export async function startRun(ctx: Ctx, req: RunRequest): Promise<RunView | null> {
  let config: RunConfig;
  try {
    config = req.config ?? ctx.config.runConfig();
  } catch (e) {
    void showError(e, ctx.log);
    return null;
  }
  ctx.cancel();
  const abort = new AbortController();
  ctx.active = abort;
  const run = newRun(req.prompt, orderStrategies(req.strategies ?? config.strategies));
  ctx.panel.startRun(run);
  void vscode.commands.executeCommand('setContext', 'tqstar.running', true);
  ctx.statusBar.text = '$(loading~spin) Transfer Q*';
  ctx.statusBar.tooltip = 'Transfer Q* is decoding — click to cancel';
  ctx.statusBar.show();
  ctx.log.info(`run ${run.id}: ${run.strategies.join(', ')} on a ${req.prompt.length}-character prompt`);

  try {
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Decoding', cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: 'connecting…' });
      const tokens = new Map<StrategyName, number>();
      const onEvent = (ev: DecodeEvent) => {
        ctx.panel.event(run.id, ev);
        if (ev.type === 'step') {
          const n = (tokens.get(ev.strategy) ?? 0) + 1 + ev.step.accepted.length;
          tokens.set(ev.strategy, n);
          const msg = `${STRATEGY_LABELS[ev.strategy]} — ${n} token${n === 1 ? '' : 's'}`;
          progress.report({ message: msg });
          ctx.statusBar.text = `$(loading~spin) TQ* ${msg}`;
        } else if (ev.type === 'warning') ctx.log.warn(`${ev.strategy ?? 'run'}: ${ev.message}`);
        else if (ev.type === 'end') ctx.log.info(`${ev.result.strategy}: ${ev.result.finish}, reward ${ev.result.reward ?? '—'}, ${ev.result.stats.requests} requests, ${Math.round(ev.result.stats.wallMs)} ms`);
      };
      return runPipeline(run, config, abort.signal, {
        apiKey: (role) => ctx.keys.get(role),
        log: (line) => ctx.log.info(formatRequestLine(line)),
        rewardFactories: { 'vscode-lm': vscodeLmReward },
        // Kept between runs: the models stay loaded while the settings name the same files.
        engines: req.engines ?? ctx.engines,
        baseDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
        onEvent,
        onWarning: (w) => ctx.log.warn(w),
      });
    });
    ctx.panel.endRun(run.id, outcome.status, outcome.result, outcome.error);
    ctx.log.info(`run ${run.id}: ${outcome.status}`);
    await ctx.history.add(outcome.view);
    ctx.historyView.refresh();
    if (outcome.error) void showError(outcome.error, ctx.log);
    return outcome.view;
  } finally {
    if (ctx.active === abort) {
      ctx.active = undefined;
      ctx.statusBar.hide();
      void vscode.commands.executeCommand('setContext', 'tqstar.running', false);
    }
  }
}
