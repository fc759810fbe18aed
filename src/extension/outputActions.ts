// What the panel's card buttons do to the editor: insert, replace, copy, open as a document, diff two outputs, export JSON.
import * as vscode from 'vscode';
import type { PanelToHost, RunResultView } from '../webview/protocol';
import { STRATEGY_LABELS } from '../webview/labels';
import type { Origin } from './promptOrigin';
import { joinContinuation } from '../webview/runState';

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

/**
 * Acts on a panel button. Insert and Replace act on the run's prompt where it still is (`origin`,
 * tracked through edits): insert the continuation right after it, or replace it with the prompt
 * followed by the continuation. A run without one (a typed prompt, a run reopened after a reload)
 * inserts at the cursor and replaces the selection with the run's prompt and continuation.
 */
export async function handleOutputMessage(msg: Extract<PanelToHost, { type: 'output' | 'diff' | 'export' }>, editors: EditorTracker, docs: OutputDocuments, origin?: Origin, prompt?: string): Promise<void> {
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
      // Read-only and clean (no "Save?" on close), in the editors' group rather than over the results panel.
      const doc = await vscode.workspace.openTextDocument(docs.add(`${STRATEGY_LABELS[msg.output.strategy]} output`, text));
      await vscode.window.showTextDocument(doc, { preview: false, viewColumn: editors.target()?.viewColumn ?? vscode.ViewColumn.One });
      return;
    }
    case 'insert':
    case 'replace': {
      if (origin) return atOrigin(msg.action, text, origin);
      const whole = msg.action === 'replace' && prompt !== undefined ? joinContinuation(prompt, text) : text;
      const editor = editors.target();
      if (!editor) { void vscode.window.showWarningMessage('Transfer Q*: open an editor to insert the output into.'); return; }
      const ok = await editor.edit((b) => {
        for (const sel of editor.selections) {
          if (msg.action === 'replace') b.replace(sel, whole);
          else b.insert(sel.active, text);
        }
      });
      if (ok) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
      return;
    }
  }
}

async function atOrigin(action: 'insert' | 'replace', text: string, origin: Origin): Promise<void> {
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === origin.uri);
  const editor = visible ?? (await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.parse(origin.uri)), { preview: false }));
  const doc = editor.document;
  const start = doc.positionAt(origin.range.start);
  const end = doc.positionAt(origin.range.end);
  const range = new vscode.Range(start, end);
  // Replace writes the prompt as it now stands in the document, followed by the continuation.
  const ok = await editor.edit((b) => (action === 'replace' ? b.replace(range, joinContinuation(doc.getText(range), text)) : b.insert(end, text)));
  if (!ok) { void vscode.window.showWarningMessage(`Transfer Q*: could not ${action === 'replace' ? 'replace the prompt' : 'insert after the prompt'} in ${origin.label}.`); return; }
  await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false });
}

async function exportJson(data: RunResultView): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, 'tqstar-run.json') : undefined, filters: { JSON: ['json'] }, title: 'Export Transfer Q* run (re-run it with: tqstar decode --config FILE)' });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`));
  const open = await vscode.window.showInformationMessage(`Transfer Q*: exported the run to ${uri.fsPath}. Re-run it with: tqstar decode --config FILE`, 'Open File');
  if (open === 'Open File') await vscode.window.showTextDocument(uri, { preview: false });
}
