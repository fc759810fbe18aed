// One decoding run from the editor: the run pipeline, streamed into the panel, with a progress notification, Cancel and a status-bar item.
import * as vscode from 'vscode';
import type { RunConfig, StrategyName } from '../config/schema';
import type { DecodeEvent } from '../core/events';
import type { RunView } from '../webview/protocol';
import { progressOf, progressText, shortProgress } from '../webview/progress';
import type { EnginePool } from '../backends';
import type { Ctx } from './ctx';
import { showError } from './errorsUi';
import { vscodeLmReward } from './vscodeLm';
import { newRun, orderStrategies, runPipeline, withProposerBase } from './runPipeline';
import { formatRequestLine } from './requestLog';
import type { Origin } from './promptOrigin';
import { noticeUntrusted } from './trust';
import { notificationText } from './notificationText';

export interface RunRequest {
  prompt: string;
  /** Defaults to the configured tqstar.strategies. */
  strategies?: StrategyName[];
  /** Defaults to the settings (the demo passes its own). */
  config?: RunConfig;
  source?: 'settings' | 'demo';
  /** The editor whose selection (or cursor line) is the prompt: Insert and Replace act there. */
  editor?: vscode.TextEditor;
  /** A re-run acts where the run it repeats did. */
  origin?: Origin;
  /** Local engines for gguf models; defaults to the one kept for the settings' files. */
  engines?: EnginePool;
}

/** One run at a time (Cancel has one meaning): a second one asks before it replaces the first. */
async function mayStart(ctx: Ctx): Promise<boolean> {
  if (!ctx.active) return true;
  const shown = ctx.panel.run;
  const what = shown?.status === 'running' ? `on "${shown.prompt.length > 40 ? `${shown.prompt.slice(0, 40)}…` : shown.prompt}"` : '';
  // One action: VS Code adds its own "Cancel" to a modal dialog, which keeps the running one.
  const pick = await vscode.window.showWarningMessage(`Transfer Q*: a run ${what} is still decoding. Stop it and start the new one?`, { modal: true, detail: 'Cancel keeps the running one.' }, 'Stop It and Start');
  if (pick !== 'Stop It and Start') return false;
  ctx.cancel();
  return true;
}

export async function startRun(ctx: Ctx, req: RunRequest): Promise<RunView | null> {
  let config: RunConfig;
  try {
    config = req.config ?? ctx.config.runConfig();
  } catch (e) {
    void showError(e, ctx.log);
    return null;
  }
  if (!req.config) noticeUntrusted(ctx);
  if (!(await mayStart(ctx))) return null;
  const abort = new AbortController();
  ctx.active = abort;
  const strategies = orderStrategies(req.strategies ?? config.strategies);
  const base = newRun(req.prompt, strategies);
  const origin = req.origin ? ctx.origins.adopt(base.id, req.origin) : req.editor ? ctx.origins.record(base.id, req.editor) : undefined;
  const run: RunView = { ...base, config: { ...config, strategies }, source: req.source ?? (req.config ? 'demo' : 'settings'), done: [], ...(origin ? { origin: { label: origin.label } } : {}) };
  ctx.panel.startRun(run);
  void vscode.commands.executeCommand('setContext', 'tqstar.running', true);
  // Progress lives in one short status-bar item (details on hover) and in the panel; no toast that updates twice a second.
  const showProgress = (view: RunView) => {
    const p = progressOf(view, Date.now());
    ctx.statusBar.text = `$(loading~spin) ${shortProgress(p)}`;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendText(`Transfer Q* ${progressText(p)}`);
    tip.appendMarkdown('\n\n$(stop-circle) Click to cancel the run.');
    ctx.statusBar.tooltip = tip;
  };
  // The item cancels while the run lasts (the last run may have left it an error item).
  ctx.statusBar.command = 'tqstar.cancel';
  ctx.statusBar.backgroundColor = undefined;
  showProgress(run);
  ctx.statusBar.show();
  // Before the first token (servers probed, a local engine loading), the item still ticks.
  const ticker = setInterval(() => { const v = ctx.panel.run; if (v?.id === run.id && v.status === 'running') showProgress(v); }, 1000);
  ctx.log.info(`run ${run.id}: ${run.strategies.join(', ')} on a ${req.prompt.length}-character prompt`);

  let keepStatus = false;
  try {
    const outcome = await (async () => {
      const onEvent = (ev: DecodeEvent, view: RunView) => {
        ctx.panel.event(run.id, ev);
        if (ev.type === 'step') showProgress(view);
        else if (ev.type === 'warning') ctx.log.warn(`${ev.strategy ?? 'run'}: ${ev.message}`);
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
        // Asked before any strategy runs, instead of failing after the peers did.
        onRisk: async (risk) => {
          const fix = 'Use Proposer "base" for This Run';
          const pick = await vscode.window.showWarningMessage(notificationText(`Transfer Q*: ${risk.message}`), { modal: true }, fix, 'Run Anyway');
          // The header shows the override, and the warnings that said to set the proposer to "base" go: this run does.
          if (pick === fix) {
            const fixed = withProposerBase({ ...run, warnings: ctx.panel.run?.warnings ?? [] });
            ctx.panel.patch(run.id, { config: fixed.config, warnings: fixed.warnings });
          }
          return pick === fix ? 'fix' : pick === 'Run Anyway' ? 'run' : 'stop';
        },
      });
    })();
    ctx.panel.endRun(run.id, outcome.status, outcome.result, outcome.error);
    ctx.log.info(`run ${run.id}: ${outcome.status}`);
    await ctx.history.add(outcome.view);
    ctx.historyView.refresh();
    if (outcome.error && ctx.active === abort) {
      // VS Code gives no way to close a notification (showErrorMessage has no dismiss), so an error the
      // visible panel already shows is not raised as a toast that would outlive the run: the status
      // item turns into an error item (replaced by the next run), and the log has the full text.
      if (ctx.panel.visible) {
        ctx.log.error(`run ${run.id}: ${outcome.error.message}`);
        ctx.statusBar.text = '$(error) TQ* failed';
        ctx.statusBar.tooltip = `Transfer Q*: ${outcome.error.message}${outcome.error.setting ? `\n\nSetting: ${outcome.error.setting}` : ''}\n\nClick to show the results panel.`;
        ctx.statusBar.command = 'tqstar.openPanel';
        ctx.statusBar.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        keepStatus = true;
      } else void showError(outcome.error, ctx.log);
    }
    return outcome.view;
  } finally {
    clearInterval(ticker);
    if (ctx.active === abort) {
      ctx.active = undefined;
      if (!keepStatus) ctx.statusBar.hide();
      void vscode.commands.executeCommand('setContext', 'tqstar.running', false);
    }
  }
}
