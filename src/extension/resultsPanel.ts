// The "Transfer Q* Results" webview panel: owns the live run's view on the host side and re-sends it whenever the webview (re)loads.
import * as vscode from 'vscode';
import { HostToPanel, PanelToHost, RunView, parseMessage, type DecodeEventView, type ErrorView, type RunResultView, type RunStatus } from '../webview/protocol';
import { applyEvent, exportDocument, finishRun, refersToRun } from '../webview/runState';
import { makeNonce, webviewHtml } from './webviewHtml';

export const RESULTS_VIEW_TYPE = 'tqstar.results';
export const RESULTS_TITLE = 'Transfer Q* Results';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
}

export function shellFor(webview: vscode.Webview, extensionUri: vscode.Uri, entry: 'panel' | 'sidebar', title: string): string {
  const uri = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', f)).toString();
  return webviewHtml({ cspSource: webview.cspSource, scriptUri: uri(`${entry}.js`), styleUri: uri(`${entry}.css`), nonce: makeNonce(), title });
}

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  /** The run shown; the host's copy is authoritative because messages to a hidden webview are dropped. */
  private current: RunView | null = null;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly onMessage: (msg: PanelToHost) => void, private readonly log: vscode.LogOutputChannel) {}

  get run(): RunView | null { return this.current; }
  /** Whether the panel is on screen (its error box then tells the user; no toast needed). */
  get visible(): boolean { return !!this.panel?.visible; }

  show(preserveFocus = true): void {
    if (this.panel) { this.panel.reveal(undefined, preserveFocus); return; }
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, RESULTS_TITLE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, webviewOptions(this.extensionUri));
    this.attach(panel);
  }

  /** Takes over a panel restored by the serializer after a window reload. */
  attach(panel: vscode.WebviewPanel, restored?: RunView): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    if (restored && !this.current) this.current = restored;
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activitybar.svg');
    panel.webview.html = shellFor(panel.webview, this.extensionUri, 'panel', RESULTS_TITLE);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((data) => {
        const m = parseMessage(PanelToHost, data);
        if (!m.ok) return this.log.warn(`results panel sent an invalid message (${m.reason}); ignored`);
        if (m.value.type === 'ready') {
          this.ready = true;
          if (this.current) this.send({ type: 'showRun', run: this.current });
          return;
        }
        const msg = m.value;
        if ((msg.type === 'output' || msg.type === 'diff') && !refersToRun(msg, this.current)) {
          return this.log.warn(`results panel asked to ${msg.type === 'diff' ? 'diff' : msg.action} an output the run does not have; ignored`);
        }
        // Export what the host holds, not what the page sent.
        if (msg.type === 'export' && this.current) return this.onMessage({ type: 'export', data: exportDocument(this.current) });
        this.onMessage(msg);
      }),
      // Hidden webviews are unloaded (no retainContextWhenHidden); they say "ready" again when shown.
      panel.onDidChangeViewState((e) => { if (!e.webviewPanel.visible) this.ready = false; }),
      panel.onDidDispose(() => { if (this.panel === panel) { this.panel = undefined; this.ready = false; } }),
    );
  }

  startRun(run: RunView): void {
    this.current = run;
    this.show();
    this.send({ type: 'runStart', run });
  }

  event(runId: string, event: DecodeEventView): void {
    if (this.current?.id !== runId) return;
    this.current = applyEvent(this.current, event);
    this.send({ type: 'event', runId, event });
  }

  endRun(runId: string, status: RunStatus, result: RunResultView | null, error?: ErrorView): RunView | null {
    if (this.current?.id !== runId) return null;
    this.current = finishRun(this.current, status, result, error);
    this.send({ type: 'runEnd', runId, status, result, ...(error ? { error } : {}) });
    return this.current;
  }

  /** Changes what the live run records about itself (e.g. the decoding it really uses) and redraws it. */
  patch(runId: string, change: Partial<Pick<RunView, 'config' | 'warnings'>>): void {
    if (this.current?.id !== runId) return;
    this.current = { ...this.current, ...change };
    this.send({ type: 'showRun', run: this.current });
  }

  showRun(run: RunView): void {
    this.current = run;
    this.show(false);
    this.send({ type: 'showRun', run });
  }

  private send(msg: HostToPanel): void {
    if (!this.panel || !this.ready) return;
    // The page drops what fails the protocol; checking here too puts the reason in the log instead of a silent gap.
    const checked = parseMessage(HostToPanel, msg);
    if (!checked.ok) { this.log.warn(`results panel: not sending a ${msg.type} message that breaks the protocol (${checked.reason})`); return; }
    void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

/** Restores the panel after a window reload from the state the webview saved with setState. */
export function resultsSerializer(panel: ResultsPanel): vscode.WebviewPanelSerializer {
  return {
    async deserializeWebviewPanel(webviewPanel, state: unknown) {
      const saved = parseMessage(RunView, (state as { run?: unknown } | undefined)?.run);
      panel.attach(webviewPanel, saved.ok ? saved.value : undefined);
    },
  };
}
