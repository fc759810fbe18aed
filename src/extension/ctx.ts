// The extension's one context object: owns every disposable, the settings wrapper, keys, log, panel, history and the active run.
import * as vscode from 'vscode';
import { MODELS_VIEW_ID, ModelsView } from './modelsView';
import { Config } from './config';
import { ApiKeys } from './apiKeys';
import { HistoryStore } from './history';
import { HistoryView, HISTORY_VIEW_ID } from './historyView';
import { pruneEvalReports, showStoredEval } from './evaluate';
import { ResultsPanel, RESULTS_VIEW_TYPE, resultsSerializer } from './resultsPanel';
import { EditorTracker, OUTPUT_SCHEME, OutputDocuments, handleOutputMessage } from './outputActions';
import type { PanelToHost } from '../webview/protocol';
import { notificationText } from './notificationText';
import { OriginTracker } from './promptOrigin';

/** The Settings UI filter that shows this extension's settings, in their sections. */
export const SETTINGS_QUERY = '@ext:tqstar-dev.tqstar';
export const START_VIEW_ID = 'tqstar.start';
import { EnginePool } from '../backends';

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly config = new Config();
  readonly keys: ApiKeys;
  readonly history: HistoryStore;
  readonly historyView: HistoryView;
  readonly panel: ResultsPanel;
  readonly editors = new EditorTracker();
  readonly outputs = new OutputDocuments();
  /** Where each recent run's prompt is in its document, tracked through edits. */
  readonly origins: OriginTracker;
  readonly statusBar: vscode.StatusBarItem;
  readonly modelsView: ModelsView;
  /** The run in progress; one at a time, so Cancel has one meaning. */
  active: AbortController | undefined;
  /** The built-in reference server, started on the first "Try the Demo" and stopped on deactivate. */
  demo: Promise<DemoServer> | undefined;
  /** Local llama.cpp engines (child processes): for gguf settings, and for the demo's tiny models. */
  readonly engines = new EnginePool();
  demoEngines: EnginePool | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ext: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel('Transfer Q*', { log: true }));
    this.keys = new ApiKeys(ext.secrets);
    this.history = new HistoryStore(ext.workspaceState);
    this.panel = this.own(new ResultsPanel(ext.extensionUri, (m) => void this.onPanelMessage(m), this.log));
    this.historyView = new HistoryView(ext.extensionUri, this.history, (id) => this.reopen(id), this.log, () => pruneEvalReports(this));
    this.statusBar = this.own(vscode.window.createStatusBarItem('tqstar.run', vscode.StatusBarAlignment.Left, 100));
    this.statusBar.name = 'Transfer Q* run';
    this.statusBar.command = 'tqstar.cancel';
    this.own(this.editors);
    this.origins = this.own(new OriginTracker());
    this.own(vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, resultsSerializer(this.panel)));
    this.own(vscode.window.registerWebviewViewProvider(HISTORY_VIEW_ID, this.historyView));
    this.modelsView = this.own(new ModelsView(this.config));
    this.own(vscode.window.registerTreeDataProvider(MODELS_VIEW_ID, this.modelsView));
    // Always empty: VS Code draws its welcome content (buttons) in an empty tree view, never in a webview view.
    this.own(vscode.window.registerTreeDataProvider(START_VIEW_ID, { getChildren: () => [], getTreeItem: (x: vscode.TreeItem) => x }));
    void vscode.commands.executeCommand('setContext', 'tqstar.hasRuns', this.history.list().length > 0);
    this.own(vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, this.outputs));
  }

  own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  cancel(): boolean {
    if (!this.active) return false;
    this.active.abort();
    return true;
  }

  reopen(id: string): void {
    const run = this.history.get(id);
    const evaluation = run ? undefined : this.history.getEval(id);
    if (run) this.panel.showRun(run);
    else if (evaluation) showStoredEval(this, evaluation);
    else void vscode.window.showWarningMessage('Transfer Q*: that entry is no longer in the history.');
  }

  private async onPanelMessage(m: PanelToHost): Promise<void> {
    try {
      if (m.type === 'cancel') this.cancel();
      else if (m.type === 'rerun') await vscode.commands.executeCommand('tqstar.rerun');
      else if (m.type === 'openSettings') await vscode.commands.executeCommand('workbench.action.openSettings', m.setting ?? SETTINGS_QUERY);
      else if (m.type === 'output' || m.type === 'diff' || m.type === 'export') {
        const shown = this.panel.run;
        await handleOutputMessage(m, this.editors, this.outputs, shown ? this.origins.get(shown.id) : undefined, shown?.prompt);
      }
    } catch (e) {
      this.log.error(`panel action ${m.type} failed: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage(notificationText(`Transfer Q*: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  dispose(): void {
    this.active?.abort();
    void this.demo?.then((s) => s.close()).catch(() => undefined);
    void this.engines.dispose();
    void this.demoEngines?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
