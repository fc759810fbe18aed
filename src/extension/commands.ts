// The command table: each entry is a small factory (ctx) => handler, registered in one place by activate().
import * as vscode from 'vscode';
import { STRATEGY_NAMES, RunConfig, type StrategyName } from '../config/schema';
import { probeAll, formatCapabilityReport, EnginePool } from '../backends';
import { startServer } from '../server';
import { demoRunConfig, engineDemoConfig } from '../server/demoConfig';
import { STRATEGY_LABELS } from '../webview/labels';
import { SETTINGS_QUERY, type Ctx, type DemoServer } from './ctx';
import { modelErrorView } from './modelCheck';
import { startRun } from './runner';
import { showError } from './errorsUi';
import { ROLES, ROLE_LABELS, type Role } from './apiKeys';
import { formatRequestLine } from './requestLog';
import { evaluateOnPromptSet } from './evaluate';
import { demoEngines, packagedTinyModels } from './demoModels';
import { noticeNoEngineOnce } from './enginePackage';
import { openWalkthrough as openWalkthroughCmd } from './walkthrough';
import { connectModels as connectModelsFlow } from './connectModels';

type Factory = (ctx: Ctx) => (...args: unknown[]) => unknown;

/** The selection is the prompt; with no selection, the current line. */
function promptFromEditor(editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) return undefined;
  const sel = editor.selection;
  const text = sel.isEmpty ? editor.document.lineAt(sel.active.line).text : editor.document.getText(sel);
  return text.trim() ? text : undefined;
}

const generateFromSelection: Factory = (ctx) => async () => {
  const editor = vscode.window.activeTextEditor ?? ctx.editors.target();
  const prompt = promptFromEditor(editor);
  if (prompt === undefined) {
    void vscode.window.showInformationMessage('Transfer Q*: select the prompt text (or put the cursor on a non-empty line) first.', 'Generate from Prompt…').then((p) => p && vscode.commands.executeCommand('tqstar.generateFromPrompt'));
    return;
  }
  await startRun(ctx, { prompt, editor });
};

const generateFromPrompt: Factory = (ctx) => async () => {
  const prompt = await vscode.window.showInputBox({ title: 'Transfer Q*: Generate from Prompt', prompt: 'The prompt x to decode a response for', placeHolder: 'e.g. Write a short review of the film:', ignoreFocusOut: true });
  if (prompt) await startRun(ctx, { prompt });
};

const compareStrategies: Factory = (ctx) => async () => {
  let configured: StrategyName[] = ['tqstar'];
  try { configured = ctx.config.runConfig().strategies; } catch (e) { return showError(e, ctx.log); }
  const picks = await vscode.window.showQuickPick(
    STRATEGY_NAMES.map((s) => ({ label: STRATEGY_LABELS[s], description: s, picked: configured.includes(s), strategy: s })),
    { canPickMany: true, title: 'Transfer Q*: strategies to compare (ranked by reward)', ignoreFocusOut: true },
  );
  if (!picks?.length) return;
  const editor = vscode.window.activeTextEditor ?? ctx.editors.target();
  const strategies = picks.map((p) => p.strategy);
  // A selection is the prompt; without one the cursor's line is only a suggestion (it may be a heading such as "# Notes").
  if (editor && !editor.selection.isEmpty && promptFromEditor(editor)) return void (await startRun(ctx, { prompt: promptFromEditor(editor)!, strategies, editor }));
  const line = promptFromEditor(editor);
  const prompt = await vscode.window.showInputBox({ title: 'Transfer Q*: Compare Strategies', prompt: 'The prompt x (nothing was selected: this is the line at the cursor)', value: line ?? '', ignoreFocusOut: true });
  if (!prompt?.trim()) return;
  // Kept as it was: the line is the prompt, and Insert/Replace act there.
  await startRun(ctx, { prompt, strategies, ...(editor && line !== undefined && prompt === line ? { editor } : {}) });
};

const cancel: Factory = (ctx) => () => {
  if (!ctx.cancel()) void vscode.window.showInformationMessage('Transfer Q*: no run in progress.');
};

const openPanel: Factory = (ctx) => () => ctx.panel.show(false);

const testConnections: Factory = (ctx) => async () => {
  let config;
  try { config = ctx.config.runConfig(); } catch (e) { return showError(e, ctx.log); }
  let reports;
  try {
    // gguf settings: the same engine the runs use (started here if needed), files relative to the workspace.
    reports = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Transfer Q*: testing connections…' }, () =>
      probeAll(config, { apiKey: (role: Role) => ctx.keys.get(role), log: (l) => ctx.log.info(formatRequestLine(l)), engines: ctx.engines, baseDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath }));
  } catch (e) { return showError(e, ctx.log); }
  ctx.log.info(`Test Connections:\n${formatCapabilityReport(reports)}`);
  ctx.modelsView.report(reports);
  const bad = reports.filter((r) => !r.ok);
  if (!bad.length) {
    const pick = await vscode.window.showInformationMessage(`Transfer Q*: all ${reports.length} endpoints are reachable and OK (${reports.map((r) => r.role).join(', ')}).`, 'Show Log');
    if (pick) ctx.log.show(true);
    return;
  }
  const first = bad[0]!;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more endpoint problems: see the log)` : '';
  // A model the server does not list is a wrong tqstar.<role>.model, not a wrong URL.
  if ((first.role === 'base' || first.role === 'baseline') && first.models.length && !first.models.includes(first.model)) {
    const v = modelErrorView(first.role, first.model, { served: first.models, url: first.url });
    return showError({ ...v, message: v.message + more }, ctx.log);
  }
  await showError({ kind: 'connection', message: `${first.role} endpoint ${first.url}: ${first.problems.join('; ') || 'not OK'}${more}`, setting: `tqstar.${first.role}.baseUrl` }, ctx.log);
};

const setApiKey: Factory = (ctx) => async () => {
  const role = await vscode.window.showQuickPick(ROLES.map((r) => ({ label: ROLE_LABELS[r], role: r })), { title: 'Transfer Q*: Set API Key for…' });
  if (!role) return;
  const key = await vscode.window.showInputBox({ title: `API key for ${role.label}`, password: true, ignoreFocusOut: true, prompt: 'Stored in VS Code\'s secret storage (never in settings), sent only to this endpoint.' });
  if (!key) return;
  await ctx.keys.set(role.role, key);
  void vscode.window.showInformationMessage(`Transfer Q*: API key stored for ${role.label}.`);
};

const clearApiKey: Factory = (ctx) => async () => {
  const stored = await ctx.keys.stored();
  if (!stored.length) { void vscode.window.showInformationMessage('Transfer Q*: no API keys are stored.'); return; }
  const picks = await vscode.window.showQuickPick(stored.map((r) => ({ label: ROLE_LABELS[r], role: r })), { title: 'Transfer Q*: Clear API Key for…', canPickMany: true });
  for (const p of picks ?? []) await ctx.keys.clear(p.role);
  if (picks?.length) void vscode.window.showInformationMessage(`Transfer Q*: cleared ${picks.length} API key(s).`);
};

// A prompt where the demo's decoders choose differently at the product's defaults (TQ* " the refund, thank you." 1.01,
// the baseline alone " the idea." 0.46, ARGS " the new version." on the tiny transformers, seed 0). Over the tiny
// transformers' prompt set TQ* at its defaults changes the baseline's answer on about 1 in 6 answers (docs/where-tqstar-stands.md).
const DEMO_PROMPT = 'I really like';

/** The demo's server (started once), and the demo's run config: the tiny transformers on the engine where the package carries them. */
async function demoSetup(ctx: Ctx): Promise<{ config: RunConfig; engines?: EnginePool } | undefined> {
  ctx.demo ??= startServer({ port: 0, quiet: true }).then((s): DemoServer => { ctx.log.info(`demo: built-in reference server (a demo and test backend, not a real LLM) at ${s.url}`); return s; });
  let server: DemoServer;
  try { server = await ctx.demo; } catch (e) { ctx.demo = undefined; showError(e, ctx.log); return undefined; }
  // The linux-x64 package carries the engine and the tiny trained transformers; the universal one only the n-gram demo pair.
  const models = packagedTinyModels(ctx);
  if (models) {
    const engines = demoEngines(ctx, models);
    ctx.log.info(`demo: tiny transformers trained by the project (${models.dir}; demo models, not for real use) on the local llama.cpp engine; reward demo-sentiment from ${server.url}`);
    return { config: RunConfig.parse(engineDemoConfig(models, server.url, 'direct')), engines };
  }
  ctx.log.info('demo: no tiny transformer models in this installation (the universal package): the word-level n-gram demo pair instead');
  if (ctx.ext.extensionPath)
    noticeNoEngineOnce({ globalState: ctx.ext.globalState, showInformationMessage: (m, ...a) => vscode.window.showInformationMessage(m, ...a), executeCommand: (c, ...a) => vscode.commands.executeCommand(c, ...a) }, ctx.ext.extensionPath);
  return { config: RunConfig.parse(demoRunConfig(server.url)) };
}

const tryDemo: Factory = (ctx) => async () => {
  const demo = await demoSetup(ctx);
  if (!demo) return;
  const editor = vscode.window.activeTextEditor;
  const editorPrompt = promptFromEditor(editor);
  const fromEditor = !!editorPrompt && editorPrompt.length < 200;
  await startRun(ctx, { prompt: fromEditor ? editorPrompt : DEMO_PROMPT, ...demo, source: 'demo', ...(fromEditor ? { editor } : {}) });
};

const clearHistory: Factory = (ctx) => () => ctx.historyView.clear();

/** The shown run again: same prompt and strategies, where it was; the current settings (a demo run: the demo). */
const rerun: Factory = (ctx) => async () => {
  const shown = ctx.panel.run;
  if (!shown) { void vscode.window.showInformationMessage('Transfer Q*: no run to re-run yet.'); return; }
  const origin = ctx.origins.get(shown.id);
  if (shown.source === 'demo') {
    const demo = await demoSetup(ctx);
    if (!demo) return;
    // The demo's models with the decoding the run had (a restored run's seed and knobs).
    const config = shown.config ? { ...demo.config, decoding: shown.config.decoding } : demo.config;
    return void (await startRun(ctx, { prompt: shown.prompt, strategies: shown.strategies, config, ...(demo.engines ? { engines: demo.engines } : {}), source: 'demo', ...(origin ? { origin } : {}) }));
  }
  await startRun(ctx, { prompt: shown.prompt, strategies: shown.strategies, ...(origin ? { origin } : {}) });
};

const openSettings: Factory = () => () => vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_QUERY);

const openWalkthrough: Factory = (ctx) => () => openWalkthroughCmd(ctx.log);

const connectModels: Factory = (ctx) => () => connectModelsFlow(ctx);

export const COMMAND_TABLE: Record<string, Factory> = {
  'tqstar.connectModels': connectModels,
  'tqstar.generateFromSelection': generateFromSelection,
  'tqstar.generateFromPrompt': generateFromPrompt,
  'tqstar.compareStrategies': compareStrategies,
  'tqstar.cancel': cancel,
  'tqstar.openPanel': openPanel,
  'tqstar.testConnections': testConnections,
  'tqstar.setApiKey': setApiKey,
  'tqstar.clearApiKey': clearApiKey,
  'tqstar.tryDemo': tryDemo,
  'tqstar.clearHistory': clearHistory,
  'tqstar.evaluate': evaluateOnPromptSet,
  'tqstar.rerun': rerun,
  'tqstar.openSettings': openSettings,
  'tqstar.openWalkthrough': openWalkthrough,
};
