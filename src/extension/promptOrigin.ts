// Where a run's prompt came from in a document, kept right through later edits, so Insert and Replace act on the prompt and not on whatever is selected by then.
// The range arithmetic is pure (character offsets); the tracker applies VS Code's change events to it.
import * as vscode from 'vscode';

export interface OffsetRange { start: number; end: number }
/** One content change as VS Code reports it: the replaced range by offset and length, and the new text. */
export interface OffsetChange { rangeOffset: number; rangeLength: number; text: string }

/**
 * The range after one change. Text inserted exactly at the end goes after the range (Insert after
 * Prompt must not grow the prompt); text inserted exactly at the start goes before it; a change
 * that overlaps the range keeps the range covering the new text there.
 */
export function shiftRange(r: OffsetRange, c: OffsetChange): OffsetRange {
  const cs = c.rangeOffset;
  const ce = c.rangeOffset + c.rangeLength;
  const delta = c.text.length - c.rangeLength;
  const pureInsert = c.rangeLength === 0;
  const start = r.start < cs || (r.start === cs && !pureInsert) ? r.start : r.start >= ce ? r.start + delta : cs + c.text.length;
  const end = r.end <= cs ? r.end : r.end >= ce ? r.end + delta : cs + c.text.length;
  return { start, end: Math.max(start, end) };
}

export interface Origin {
  uri: string;
  range: OffsetRange;
  /** e.g. "prompt.txt, line 3" or "notes.md, lines 3–5". */
  label: string;
}

/** The origins of recent runs, by run id, shifted as their documents change; forgotten when a document closes. */
export class OriginTracker implements vscode.Disposable {
  private readonly origins = new Map<string, Origin>();
  private readonly subs: vscode.Disposable[];

  constructor() {
    this.subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        const uri = e.document.uri.toString();
        for (const o of this.origins.values()) if (o.uri === uri) for (const c of e.contentChanges) o.range = shiftRange(o.range, c);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        for (const [id, o] of this.origins) if (o.uri === d.uri.toString()) this.origins.delete(id);
      }),
    ];
  }

  /** Records the selection (or, when empty, the cursor's line) of `editor` as the origin of run `runId`. */
  record(runId: string, editor: vscode.TextEditor): Origin {
    const doc = editor.document;
    const sel = editor.selection;
    const range = sel.isEmpty ? doc.lineAt(sel.active.line).range : sel;
    const o: Origin = { uri: doc.uri.toString(), range: { start: doc.offsetAt(range.start), end: doc.offsetAt(range.end) }, label: labelOf(doc, range) };
    this.origins.set(runId, o);
    // A handful is enough: only the shown run and the last few reopened from history are acted on.
    if (this.origins.size > 20) this.origins.delete(this.origins.keys().next().value!);
    return o;
  }

  /** A re-run acts where the run it repeats did: the same (tracked) place, under the new run's id. */
  adopt(runId: string, from: Origin): Origin {
    const o = { ...from, range: { ...from.range } };
    this.origins.set(runId, o);
    return o;
  }

  get(runId: string): Origin | undefined {
    return this.origins.get(runId);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

function labelOf(doc: vscode.TextDocument, range: vscode.Range): string {
  const name = doc.uri.path.split('/').pop() || doc.uri.toString();
  const a = range.start.line + 1;
  const b = range.end.line + 1;
  return a === b ? `${name}, line ${a}` : `${name}, lines ${a}–${b}`;
}
