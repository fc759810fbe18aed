// "Transfer Q*: Evaluate on Prompt Set…": pick prompts, strategies and a sweep, run `tqstar eval`'s session with progress and cancel, show the evaluation panel.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { loadRunConfig, type EnginePool } from '../backends';
import { STRATEGY_NAMES, type RunConfig, type StrategyName } from '../config/schema';
import { TqError } from '../core/errors';
import { httpEmbedder, parseVerdict, PAIR_INSTRUCTION, type Embedder, type PairJudge } from '../eval/clients';
import { BUILTIN_PROMPTS, parsePromptSet, PROMPT_SET_LIMIT, type EvalPrompt } from '../eval/prompts';
import type { Progress } from '../eval/runner';
import { runEvalSession } from '../eval/session';
import { parseSweep, type Sweep } from '../eval/sweep';
import { evalView, partialView } from '../eval/view';
import { demoEvalWorld, EVAL_STRATEGIES, TINY_EVAL_PROMPTS, tinyEvalWorld, type EvalWorld } from '../eval/worlds';
import { startServer } from '../server';
import { EvalToHost, type HostToEval } from '../webview/evalProtocol';
import { STRATEGY_LABELS } from '../webview/labels';
import type { Ctx, DemoServer } from './ctx';
import { demoEngines, packagedTinyModels } from './demoModels';
import { showError } from './errorsUi';
import { webviewOptions } from './resultsPanel';
import type { EvalRecord } from './history';
import { makeNonce, webviewHtml } from './webviewHtml';
import { vscodeLmReward } from './vscodeLm';

export const EVAL_VIEW_TYPE = 'tqstar.evaluation';
const TITLE = 'Transfer Q* Evaluation';

/** The evaluation webview: one at a time; the host keeps the last message so a reloaded page gets it again. */
class EvalPanel {
  private panel: vscode.WebviewPanel | undefined;
  private last: HostToEval | undefined;
  report: string | undefined;
  onCancel: (() => void) | undefined;

  constructor(private readonly ctx: Ctx) {}

  show(): void {
    if (this.panel) return this.panel.reveal(undefined, true);
    this.attach(vscode.window.createWebviewPanel(EVAL_VIEW_TYPE, TITLE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.ctx.ext.extensionUri)));
  }

  /** A new panel, or one VS Code restored after a reload (the page redraws its saved evaluation itself). */
  attach(p: vscode.WebviewPanel): void {
    this.panel = p;
    p.webview.options = webviewOptions(this.ctx.ext.extensionUri);
    const uri = (f: string) => p.webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.ext.extensionUri, 'media', 'dist', f)).toString();
    p.webview.html = webviewHtml({ cspSource: p.webview.cspSource, scriptUri: uri('eval.js'), styleUri: uri('eval.css'), nonce: makeNonce(), title: TITLE });
    p.webview.onDidReceiveMessage((data) => {
      const m = EvalToHost.safeParse(data);
      if (!m.success) return this.ctx.log.warn('evaluation panel sent an invalid message; ignored');
      if (m.data.type === 'ready' && this.last) void p.webview.postMessage(this.last);
      else if (m.data.type === 'cancel') this.onCancel?.();
      else if (m.data.type === 'exportReport') void this.exportReport();
    });
    p.onDidDispose(() => (this.panel = undefined));
  }

  post(m: HostToEval): void {
    this.last = m;
    void this.panel?.webview.postMessage(m);
  }

  private async exportReport(): Promise<void> {
    if (!this.report) return;
    if (!existsSync(this.report)) {
      void vscode.window.showWarningMessage(`Transfer Q*: this evaluation's report is no longer on disk (${this.report}); run the evaluation again to write it.`);
      return;
    }
    const target = await vscode.window.showSaveDialog({ title: 'Export the evaluation report', filters: { HTML: ['html'] }, saveLabel: 'Export' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(readFileSync(this.report, 'utf8')));
    void vscode.window.showInformationMessage(`Transfer Q*: report written to ${target.fsPath}.`);
  }
}

let panel: EvalPanel | undefined;
/** An evaluation is running: its progress owns the (one) evaluation panel. */
let evaluating = false;

/** Where each stored evaluation keeps its own copy of the report (the setup's folder is rewritten when it is resumed). */
const reportsDir = (ctx: Ctx) => vscode.Uri.joinPath(ctx.ext.globalStorageUri, 'eval-history').fsPath;

/** Removes the report copies of evaluations the history no longer holds. */
export function pruneEvalReports(ctx: Ctx): void {
  const dir = reportsDir(ctx);
  if (!existsSync(dir)) return;
  const keep = new Set(ctx.history.evals().flatMap((e) => (e.report ? [e.report] : [])));
  for (const f of readdirSync(dir)) if (!keep.has(join(dir, f))) rmSync(join(dir, f), { force: true });
}

/** Opens a stored evaluation (Run History) in the evaluation panel. */
export function showStoredEval(ctx: Ctx, e: EvalRecord): void {
  if (evaluating) {
    void vscode.window.showInformationMessage('Transfer Q*: an evaluation is running in the evaluation panel; open this one when it has finished, or cancel it.');
    return;
  }
  panel ??= new EvalPanel(ctx);
  panel.show();
  panel.report = e.report;
  if (e.view) {
    const notes = e.trimmed ? [...e.view.notes, 'The answers listed per point were dropped from the history to keep it within its size bound; the exported report has them.'] : e.view.notes;
    panel.post({ type: 'result', view: { ...e.view, notes }, ...(e.status === 'error' ? { error: e.error ?? 'failed' } : {}) });
  } else panel.post({ type: 'failed', message: e.error ?? 'the evaluation finished no answer' });
}

/** Restores the evaluation panel after a window reload: the page saved its evaluation with setState. */
export function evalSerializer(ctx: Ctx): vscode.WebviewPanelSerializer {
  return {
    async deserializeWebviewPanel(p: vscode.WebviewPanel) {
      panel ??= new EvalPanel(ctx);
      panel.attach(p);
    },
  };
}

/** "2/5": the judge step is there only when VS Code offers language models. */
const stepOf = (n: number) => `${n}/${vscode.lm ? 5 : 4}`;

/** A VS Code chat model (vscode.lm) asked which of two answers is better; the eval randomises their order. */
function lmPairJudge(): PairJudge {
  let model: Promise<vscode.LanguageModelChat> | undefined;
  return {
    label: 'vscode-lm (VS Code language model)',
    async compare(prompt, first, second, signal) {
      model ??= Promise.resolve(vscode.lm.selectChatModels({})).then(([m]) => {
        if (!m) throw new TqError('reward', 'No VS Code language model is available for judging: install or sign in to a chat model provider (e.g. GitHub Copilot), or evaluate without a judge.');
        return m;
      });
      const m = await model;
      const cts = new vscode.CancellationTokenSource();
      const onAbort = () => cts.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const content = PAIR_INSTRUCTION.replace(/\{(prompt|first|second)\}/g, (_x, k: 'prompt' | 'first' | 'second') => ({ prompt, first, second })[k]);
        const res = await m.sendRequest([vscode.LanguageModelChatMessage.User(content)], { justification: 'Transfer Q* asks this model which of two generated answers is better (Evaluate on Prompt Set).' }, cts.token);
        let text = '';
        for await (const part of res.text) text += part;
        const v = parseVerdict(text);
        if (!v) throw new TqError('reward', `the language-model judge answered neither 1, 2 nor tie: ${JSON.stringify(text.slice(0, 80))}`);
        return v;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        cts.dispose();
      }
    },
  };
}

async function pickPrompts(): Promise<{ prompts: EvalPrompt[]; source: string } | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: `Built-in prompts (${BUILTIN_PROMPTS.length})`, description: `reviews, customer replies, support answers (the demo domain; ${TINY_EVAL_PROMPTS.length} of them on the tiny transformers)`, file: false },
      { label: 'Open a prompt file…', description: 'JSONL ({"prompt": …, "id": …} per line) or plain text, one prompt per line', file: true },
    ],
    { title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(1)}): prompts`, ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  if (!pick.file) return { prompts: [...BUILTIN_PROMPTS], source: 'built-in set' };
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Prompt sets': ['jsonl', 'txt'], 'All files': ['*'] }, title: 'Prompt set' })) ?? [];
  if (!uri) return undefined;
  // The same checks as the CLI's --prompts: a regular file of bounded size.
  const st = await vscode.workspace.fs.stat(uri);
  if (!(st.type & vscode.FileType.File) || st.size > PROMPT_SET_LIMIT) throw new Error(`${uri.fsPath}: not a regular file of at most ${PROMPT_SET_LIMIT} bytes`);
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  return { prompts: parsePromptSet(text, uri.fsPath), source: uri.fsPath };
}

type BackendPick = { config: RunConfig; world?: EvalWorld; embedder?: Embedder; engines?: EnginePool };

/**
 * The built-in worlds as Try the Demo has them: the tiny transformers on the local engine where the package
 * carries them (first), and the word-level n-gram pair, which every package has and which runs in seconds.
 */
async function pickBackend(ctx: Ctx): Promise<BackendPick | undefined> {
  const tiny = packagedTinyModels(ctx);
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Configured endpoints', description: 'tqstar.base, tqstar.baseline, tqstar.reward', world: undefined },
      ...(tiny ? [{ label: 'Built-in demo: tiny transformers', description: `${TINY_EVAL_PROMPTS.length} prompts by default; ~1M-parameter models trained by the project on the local llama.cpp engine (CPU), not for real use`, world: 'tiny' as const }] : []),
      { label: 'Built-in demo: word-level n-gram pair', description: 'the local reference server: word-level demo models, not a real LLM', world: 'demo' as const },
    ],
    { title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(2)}): models`, ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  if (!pick.world) return { config: ctx.config.runConfig() };
  ctx.demo ??= startServer({ port: 0, quiet: true }).then((s): DemoServer => (ctx.log.info(`demo: built-in reference server (a demo and test backend, not a real LLM) at ${s.url}`), s));
  let server: DemoServer;
  try {
    server = await ctx.demo;
  } catch (e) {
    ctx.demo = undefined;
    throw e;
  }
  const world = pick.world === 'tiny' && tiny ? tinyEvalWorld(server.url, tiny) : demoEvalWorld(server.url);
  if (!world) throw new TqError('config', 'The tiny demo models are missing from this installation; choose the n-gram pair.');
  const embedder = httpEmbedder(world.embeddings!.baseUrl, world.embeddings!.model);
  return { config: loadRunConfig(world.config), world, embedder, ...(world.name === 'tiny' && tiny ? { engines: demoEngines(ctx, tiny) } : {}) };
}

async function pickStrategies(initial: readonly StrategyName[]): Promise<StrategyName[] | undefined> {
  const picks = await vscode.window.showQuickPick(
    STRATEGY_NAMES.map((s) => ({ label: STRATEGY_LABELS[s], description: s, picked: initial.includes(s), strategy: s })),
    { canPickMany: true, title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(3)}): strategies`, ignoreFocusOut: true },
  );
  return picks?.length ? picks.map((p) => p.strategy).sort((a, b) => EVAL_STRATEGIES.indexOf(a) - EVAL_STRATEGIES.indexOf(b)) : undefined;
}

/** Space-separated [STRATEGY:]KEY=v1,v2 sweeps, each checked against the schema. */
export function parseSweepLine(line: string, config: RunConfig): Sweep[] {
  return line.split(/\s+/).filter(Boolean).map((s) => parseSweep(s, config.decoding));
}

/** The sweeps offered as choices (each checked against the schema before it is offered); "Custom…" types one. */
export function sweepPresets(strategies: readonly StrategyName[], config: RunConfig): Array<{ label: string; description: string; line: string }> {
  const all = [
    { label: 'No sweep', description: 'the settings as they are', line: '', needs: [] as StrategyName[] },
    { label: 'Transfer Q* α: 0.5, 2, 8', description: 'how far the reward may pull the output from the base model', line: 'tqstar:alpha=0.5,2,8', needs: ['tqstar'] as StrategyName[] },
    { label: 'Best-of-N N: 1, 4, 16', description: 'compute against reward for the Best-of-N baseline', line: 'bon:bestOfN=1,4,16', needs: ['bon'] as StrategyName[] },
    { label: 'Both: Transfer Q* α and Best-of-N N', description: 'tqstar:alpha=0.5,2,8 bon:bestOfN=1,4,16', line: 'tqstar:alpha=0.5,2,8 bon:bestOfN=1,4,16', needs: ['tqstar', 'bon'] as StrategyName[] },
  ];
  return all.filter((p) => p.needs.every((s) => strategies.includes(s))).filter((p) => { try { parseSweepLine(p.line, config); return true; } catch { return false; } }).map(({ needs: _n, ...p }) => p);
}

async function pickSweep(config: RunConfig, strategies: readonly StrategyName[]): Promise<Sweep[] | undefined> {
  const presets = sweepPresets(strategies, config);
  const choice = await vscode.window.showQuickPick([...presets, { label: 'Custom…', description: 'type [STRATEGY:]KEY=v1,v2 …', line: null as string | null }], { title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(4)}): sweep`, ignoreFocusOut: true });
  if (!choice) return undefined;
  if (choice.line !== null) return parseSweepLine(choice.line, config);
  const line = await vscode.window.showInputBox({
    title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(4)}): custom sweep`,
    prompt: 'Space-separated [STRATEGY:]KEY=v1,v2,… (crossed), e.g. "bon:bon=1,4,16 tqstar:alpha=2,8". Empty: the settings as they are.',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parseSweepLine(v, config);
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
  });
  return line === undefined ? undefined : parseSweepLine(line, config);
}

/** Stores an evaluation in Run History with its own copy of the report; the copies of evaluations the bound dropped go. */
async function remember(ctx: Ctx, rec: EvalRecord, report?: string): Promise<void> {
  let copy: string | undefined;
  if (report && existsSync(report)) {
    try {
      mkdirSync(reportsDir(ctx), { recursive: true });
      copy = join(reportsDir(ctx), `${rec.id}.html`);
      copyFileSync(report, copy);
    } catch (e) {
      copy = undefined;
      ctx.log.warn(`evaluate: could not keep a copy of the report for the history: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  await ctx.history.addEval(copy ? { ...rec, report: copy } : rec);
  pruneEvalReports(ctx);
  ctx.historyView.refresh();
}

export const evaluateOnPromptSet = (ctx: Ctx) => async (): Promise<void> => {
  if (ctx.active) {
    void vscode.window.showInformationMessage('Transfer Q*: a run is in progress; cancel it or wait before evaluating.');
    return;
  }
  let backend, prompts, strategies, sweeps;
  try {
    prompts = await pickPrompts();
    if (!prompts) return;
    backend = await pickBackend(ctx);
    if (!backend) return;
    // As `tqstar eval`: the transformers cost far more per answer, so the built-in set is its spread of 26 there.
    if (backend.world?.name === 'tiny' && prompts.source === 'built-in set') prompts = { prompts: [...backend.world.prompts], source: 'built-in tiny set' };
    strategies = await pickStrategies(backend.world ? ['tqstar', 'bon', 'softbon', 'args', 'baseline'] : ['tqstar', ...backend.config.strategies]);
    if (!strategies) return;
    sweeps = await pickSweep(backend.config, strategies);
    if (!sweeps) return;
  } catch (e) {
    return showError(e, ctx.log);
  }
  const judgeUse = vscode.lm
    ? await vscode.window.showQuickPick([{ label: 'No judge', judge: false }, { label: 'Judge pairs with a VS Code language model', description: 'vscode.lm, answers in random order', judge: true }], { title: `Transfer Q*: Evaluate on Prompt Set (${stepOf(5)}): win/tie/loss by a judge?` })
    : undefined;
  const reference: StrategyName = strategies.includes('baseline') ? 'baseline' : strategies[strategies.length - 1]!;
  // One folder per setup, so that the same choice again resumes instead of starting over.
  const id = createHash('sha1').update(JSON.stringify([backend.world?.name ?? backend.config, prompts.source, prompts.prompts.length, strategies, sweeps])).digest('hex').slice(0, 12);
  const outDir = vscode.Uri.joinPath(ctx.ext.globalStorageUri, 'eval', id).fsPath;
  panel ??= new EvalPanel(ctx);
  panel.show();
  const abort = new AbortController();
  ctx.active = abort;
  evaluating = true;
  panel.onCancel = () => abort.abort();
  void vscode.commands.executeCommand('setContext', 'tqstar.running', true);
  const p = panel;
  p.report = undefined;
  const startedAt = Date.now();
  // The configured endpoints in a few words: the report's label for them, and the history's.
  const configLabel = `base ${backend.config.base.model}, baseline ${backend.config.baseline.model}, reward ${backend.config.reward.kind}`;
  const models = backend.world ? `built-in demo: ${backend.world.name === 'tiny' ? 'tiny transformers' : 'word-level n-gram pair'}` : configLabel;
  let lastProgress: Progress | undefined;
  const record = (status: EvalRecord['status'], view: EvalRecord['view'], extra: Partial<EvalRecord> = {}): EvalRecord => ({
    kind: 'eval',
    id: `eval-${id}-${startedAt}`,
    startedAt,
    status,
    source: prompts.source,
    prompts: prompts.prompts.length,
    models,
    strategies,
    answers: { done: lastProgress?.done ?? 0, total: lastProgress?.total ?? 0 },
    view,
    ...extra,
  });
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Transfer Q*: evaluating', cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      let last = 0;
      let lastPartial = 0;
      const res = await runEvalSession({
        config: backend.config,
        prompts: prompts.prompts,
        promptSource: prompts.source,
        seeds: [0],
        strategies,
        sweeps,
        reference,
        outDir,
        ...(backend.world ? { world: backend.world } : { configLabel }),
        embedder: backend.embedder,
        judge: judgeUse?.judge ? lmPairJudge() : undefined,
        backend: { apiKey: (role) => ctx.keys.get(role), rewardFactories: { 'vscode-lm': vscodeLmReward }, ...(backend.engines ? { engines: backend.engines } : {}) },
        signal: abort.signal,
        onProgress: (pr) => {
          lastProgress = pr;
          const message = `${pr.done}/${pr.total} answers${pr.etaMs !== null ? `, about ${Math.ceil(pr.etaMs / 1000)} s left` : ''}`;
          progress.report({ message, increment: ((pr.done - last) / pr.total) * 100 });
          last = pr.done;
          // The table so far, at most once a second (summarising is linear in the answers).
          const now = Date.now();
          const partial = pr.done > 0 && (now - lastPartial >= 1000 || pr.done === pr.total) ? partialView(pr.answers()) : undefined;
          if (partial) lastPartial = now;
          p.post({ type: 'progress', done: pr.done, total: pr.total, etaMs: pr.etaMs, message, ...(partial ? { partial } : {}) });
        },
        onWarning: (w) => ctx.log.warn(`evaluate: ${w}`),
      });
      p.report = res.files.report;
      ctx.log.info(`evaluate: ${res.complete ? 'complete' : 'cancelled'}; results in ${outDir}\n${res.table}`);
      const view = evalView(`Evaluation — ${backend.world?.name ?? 'configured endpoints'}`, res.notes, res.complete, res.summary, res.answers);
      p.post({ type: 'result', view });
      await remember(ctx, record(res.complete ? 'done' : 'cancelled', view, { answers: { done: res.answers.length, total: lastProgress?.total ?? res.answers.length } }), res.files.report);
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    p.post({ type: 'failed', message });
    // What finished before the failure stays: in the history, with the points so far.
    const answers = lastProgress?.answers() ?? [];
    await remember(ctx, record('error', answers.length ? partialView(answers) : null, { error: message })).catch((err) => ctx.log.warn(`evaluate: could not store the evaluation in the history: ${String(err)}`));
    await showError(e, ctx.log);
  } finally {
    evaluating = false;
    if (ctx.active === abort) ctx.active = undefined;
    void vscode.commands.executeCommand('setContext', 'tqstar.running', false);
  }
};

