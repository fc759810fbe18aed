// What the panel's card buttons do to the editor: insert, replace, copy, open as a document, diff two outputs, export JSON.
import * as vscode from 'vscode';
import type { PanelToHost, RunResultView } from '../webview/protocol';
import { STRATEGY_LABELS } from '../webview/labels';

export const OUTPUT_SCHEME = 'tqstar-output';

/** Read-only virtual documents for the diff editor, so diffing leaves no untitled "Save?" tabs behind. */
export class OutputDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private n = 0;
  provideTextDocumentContent(uri: vscode.Uri): string { return this.texts.get(uri.toString()) ?? ''; }
  add(label: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: OUTPUT_SCHEME, path: `/${++this.n}/${label.replace(/[^\w.* -]/g, '_')}.txt` });
    // Bounded: diffs are opened one at a time, old ones need not stay resolvable forever.
    if (this.texts.size > 50) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(uri.toString(), text);
    return uri;
  }
}

/** The editor the run was started from, or the one the user last worked in (a focused webview has no active editor). */
export class EditorTracker implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly sub = vscode.window.onDidChangeActiveTextEditor((e) => { if (e) this.last = e; });
  target(): vscode.TextEditor | undefined {
    const e = this.last;
    if (e && vscode.window.visibleTextEditors.includes(e)) return e;
    return vscode.window.visibleTextEditors.find((v) => v.document.uri.toString() === e?.document.uri.toString()) ?? vscode.window.visibleTextEditors[0];
  }
  dispose(): void { this.sub.dispose(); }
}

export async function handleOutputMessage(msg: Extract<PanelToHost, { type: 'output' | 'diff' | 'export' }>, editors: EditorTracker, docs: OutputDocuments): Promise<void> {
  if (msg.type === 'diff') {
    const left = docs.add(STRATEGY_LABELS[msg.left.strategy], msg.left.text);
    const right = docs.add(STRATEGY_LABELS[msg.right.strategy], msg.right.text);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${STRATEGY_LABELS[msg.left.strategy]} ↔ ${STRATEGY_LABELS[msg.right.strategy]}`);
    return;
  }
  if (msg.type === 'export') return exportJson(msg.data);
  const { text } = msg.output;
  switch (msg.action) {
    case 'copy':
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage('Transfer Q*: output copied', 3000);
      return;
    case 'openDocument': {
      const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { preview: false });
      return;
    }
    case 'insert':
    case 'replace': {
      const editor = editors.target();
      if (!editor) { void vscode.window.showWarningMessage('Transfer Q*: open an editor to insert the output into.'); return; }
      const ok = await editor.edit((b) => {
        for (const sel of editor.selections) {
          if (msg.action === 'replace') b.replace(sel, text);
          else b.insert(sel.active, text);
        }
      });
      if (ok) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
      return;
    }
  }
}

async function exportJson(data: RunResultView): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, 'tqstar-run.json') : undefined, filters: { JSON: ['json'] }, title: 'Export Transfer Q* run (tqstar decode --json format)' });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`));
  void vscode.window.setStatusBarMessage(`Transfer Q*: exported ${uri.fsPath}`, 5000);
}
