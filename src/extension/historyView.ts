// The "Run History" side view: lists stored runs and evaluations; a click reopens a run in the results panel, an evaluation in the evaluation panel.
import * as vscode from 'vscode';
import { SidebarToHost, parseMessage, type HostToSidebar } from '../webview/protocol';
import type { HistoryStore } from './history';
import { shellFor, webviewOptions } from './resultsPanel';

export const HISTORY_VIEW_ID = 'tqstar.history';

export class HistoryView implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: HistoryStore, private readonly open: (id: string) => void, private readonly log: vscode.LogOutputChannel, private readonly afterClear: () => void = () => undefined) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = shellFor(view.webview, this.extensionUri, 'sidebar', 'Transfer Q* history');
    view.webview.onDidReceiveMessage(async (data) => {
      const m = parseMessage(SidebarToHost, data);
      if (!m.ok) return this.log.warn(`history view sent an invalid message (${m.reason}); ignored`);
      if (m.value.type === 'ready') this.refresh();
      else if (m.value.type === 'open') this.open(m.value.id);
      else await this.clear();
    });
    view.onDidDispose(() => { this.view = undefined; });
  }

  refresh(): void {
    const entries = this.store.list();
    // The "Get Started" view (contributes.viewsWelcome) shows while there is no run.
    void vscode.commands.executeCommand('setContext', 'tqstar.hasRuns', entries.length > 0);
    const msg: HostToSidebar = { type: 'history', entries };
    void this.view?.webview.postMessage(msg);
  }

  async clear(): Promise<void> {
    await this.store.clear();
    try {
      this.afterClear();
    } catch (e) {
      this.log.warn(`clearing the history's files failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.refresh();
  }
}
