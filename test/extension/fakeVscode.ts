// FAKE `vscode` module for host-side smoke tests of the built bundle: only the API surface dist/extension.js touches,
// recording what the extension shows. Not a VS Code; the real-workbench tests live in test/e2e.
import { EventEmitter as NodeEmitter } from 'node:events';

type Listener<T> = (e: T) => unknown;
export class EventEmitter<T> {
  private readonly em = new NodeEmitter();
  event = (l: Listener<T>) => { this.em.on('e', l); return { dispose: () => this.em.off('e', l) }; };
  fire(e: T) { this.em.emit('e', e); }
  dispose() { this.em.removeAllListeners(); }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static file(p: string) { return new Uri('file', p); }
  static from(c: { scheme: string; path: string }) { return new Uri(c.scheme, c.path); }
  static joinPath(u: Uri, ...parts: string[]) { return new Uri(u.scheme, [u.path, ...parts].join('/')); }
  get fsPath() { return this.path; }
  toString() { return `${this.scheme}://${this.path}`; }
}

/** Positions carry their offset, so edits apply by character offset. */
export class Position {
  constructor(readonly line: number, readonly character: number, readonly offset: number) {}
}
export class Range {
  constructor(readonly start: Position, readonly end: Position) {}
  get isEmpty() { return this.start.offset === this.end.offset; }
}

/** Every fake document's content changes, as workspace.onDidChangeTextDocument reports them. */
export const documentChanges = new EventEmitter<{ document: FakeDocument; contentChanges: Array<{ rangeOffset: number; rangeLength: number; text: string }> }>();

export class FakeDocument {
  constructor(public text: string, readonly uri = Uri.file('/ws/prompt.txt')) {}
  getText(range?: Range) { return range ? this.text.slice(range.start.offset, range.end.offset) : this.text; }
  positionAt(offset: number) {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length)));
    const lines = before.split('\n');
    return new Position(lines.length - 1, lines.at(-1)!.length, before.length);
  }
  offsetAt(p: Position) { return p.offset; }
  lineAt(line: number) {
    const lines = this.text.split('\n');
    const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
    const text = lines[line] ?? '';
    return { text, range: new Range(this.positionAt(start), this.positionAt(start + text.length)) };
  }
}

/** One selection; edits change the document's text and fire documentChanges, as VS Code does. */
export class FakeEditor {
  selection: Range & { active: Position };
  constructor(readonly document: FakeDocument, start = 0, end = document.text.length) {
    this.selection = this.select(start, end);
  }
  select(start: number, end: number) {
    const r = new Range(this.document.positionAt(start), this.document.positionAt(end));
    this.selection = Object.assign(r, { active: r.end });
    return this.selection;
  }
  get selections() { return [this.selection]; }
  viewColumn = 1;
  async edit(f: (b: { insert(p: Position, t: string): void; replace(r: Range, t: string): void }) => void) {
    const apply = (offset: number, length: number, t: string) => {
      this.document.text = this.document.text.slice(0, offset) + t + this.document.text.slice(offset + length);
      documentChanges.fire({ document: this.document, contentChanges: [{ rangeOffset: offset, rangeLength: length, text: t }] });
    };
    f({
      insert: (p, t) => apply(p.offset, 0, t),
      replace: (r, t) => apply(r.start.offset, r.end.offset - r.start.offset, t),
    });
    return true;
  }
}

export interface FakeWebview {
  html: string;
  options: unknown;
  cspSource: string;
  posted: unknown[];
  asWebviewUri(u: Uri): Uri;
  postMessage(m: unknown): Promise<boolean>;
  onDidReceiveMessage: EventEmitter<unknown>['event'];
  /** Test side: a message from the page. */
  receive(m: unknown): void;
}

function fakeWebview(): FakeWebview {
  const em = new EventEmitter<unknown>();
  const w: FakeWebview = {
    html: '', options: {}, cspSource: 'https://fake.vscode-resource', posted: [],
    asWebviewUri: (u) => u,
    postMessage: async (m) => { w.posted.push(JSON.parse(JSON.stringify(m))); return true; },
    onDidReceiveMessage: em.event,
    receive: (m) => em.fire(m),
  };
  return w;
}

/**
 * settings.json keys folded into one tree as VS Code's addToValueTree does: "tqstar.base.model" lands
 * inside the object of "tqstar.base", in file order (a later object replaces what came before).
 */
export function valueTree(settings: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const segs = key.split('.');
    const last = segs.pop()!;
    let cur = root;
    let ok = true;
    for (const s of segs) {
      if (cur[s] === undefined) cur[s] = {};
      else if (typeof cur[s] !== 'object' || cur[s] === null || Array.isArray(cur[s])) { ok = false; break; }
      cur = cur[s] as Record<string, unknown>;
    }
    if (ok) cur[last] = value && typeof value === 'object' && !Array.isArray(value) ? structuredClone(value) : value;
  }
  return root;
}

export function valueAt(tree: Record<string, unknown>, key: string): unknown {
  let cur: unknown = tree;
  for (const s of key.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[s] : undefined;
  return cur;
}

export function createFakeVscode(settings: Record<string, unknown>) {
  const commands = new Map<string, (...a: unknown[]) => unknown>();
  const shown: Array<{ level: string; message: string; actions: string[] }> = [];
  const executed: Array<{ id: string; args: unknown[] }> = [];
  const logLines: string[] = [];
  const panels: Array<{ viewType: string; title: string; webview: FakeWebview; disposed: boolean }> = [];
  const context: Record<string, unknown> = {};
  const clipboard = { text: '' };
  const registered = { serializers: new Map<string, unknown>(), views: new Map<string, unknown>() };
  const state = { activeTextEditor: undefined as FakeEditor | undefined, messageAnswer: undefined as string | undefined, inputAnswer: undefined as string | undefined, quickPickAll: false };
  const inputs: Array<{ title?: string; value?: string }> = [];
  const shownDocuments: Array<{ uri: string; options: unknown }> = [];
  function fakePanel(viewType: string, title: string) {
    const disposeEm = new EventEmitter<void>();
    const p = { viewType, title, webview: fakeWebview(), disposed: false, iconPath: undefined as unknown,
      reveal() {}, onDidChangeViewState: new EventEmitter<unknown>().event, onDidDispose: disposeEm.event,
      dispose() { p.disposed = true; disposeEm.fire(); } };
    panels.push(p);
    return p;
  }
  /** A webview view as VS Code hands it to resolveWebviewView. */
  function fakeView() {
    return { webview: fakeWebview(), onDidDispose: new EventEmitter<void>().event, visible: true };
  }
  const show = (level: string) => async (message: string, ...actions: unknown[]) => {
    shown.push({ level, message, actions: actions.filter((a): a is string => typeof a === 'string') });
    return state.messageAnswer;
  };
  const log = (level: string) => (m: string) => logLines.push(`[${level}] ${m}`);
  const vscode = {
    EventEmitter, Uri, Range, Position,
    ViewColumn: { Beside: -2, One: 1 },
    ProgressLocation: { Notification: 15 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class { constructor(readonly id: string) {} },
    ThemeIcon: class { constructor(readonly id: string, readonly color?: unknown) {} },
    TreeItem: class { description?: string; tooltip?: unknown; iconPath?: unknown; command?: unknown; constructor(readonly label: string) {} },
    MarkdownString: class { value = ''; constructor(v?: string, readonly supportThemeIcons?: boolean) { this.value = v ?? ''; } appendText(t: string) { this.value += t; return this; } appendMarkdown(t: string) { this.value += t; return this; } },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    LanguageModelError: class extends Error { code = ''; },
    CancellationError: class extends Error {},
    CancellationTokenSource: class { token = { isCancellationRequested: false }; cancel() {} dispose() {} },
    LanguageModelChatMessage: { User: (t: string) => ({ role: 1, content: t }) },
    lm: { selectChatModels: async () => [] },
    env: { clipboard: { writeText: async (t: string) => { clipboard.text = t; } } },
    window: {
      get activeTextEditor() { return state.activeTextEditor; },
      get visibleTextEditors() { return state.activeTextEditor ? [state.activeTextEditor] : []; },
      onDidChangeActiveTextEditor: new EventEmitter<unknown>().event,
      createOutputChannel: () => ({ info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), trace: log('trace'), show: () => undefined, dispose: () => undefined }),
      createStatusBarItem: () => ({ text: '', tooltip: '', command: '', name: '', show() {}, hide() {}, dispose() {} }),
      createWebviewPanel: (viewType: string, title: string) => fakePanel(viewType, title),
      registerWebviewPanelSerializer: (viewType: string, s: unknown) => { registered.serializers.set(viewType, s); return { dispose() {} }; },
      registerWebviewViewProvider: (id: string, p: unknown) => { registered.views.set(id, p); return { dispose() {} }; },
      registerTreeDataProvider: (id: string, p: unknown) => { registered.views.set(id, p); return { dispose() {} }; },
      withProgress: async (_o: unknown, task: (p: { report(x: unknown): void }, t: { onCancellationRequested(l: () => void): void }) => unknown) =>
        task({ report() {} }, { onCancellationRequested() {} }),
      showErrorMessage: show('error'), showWarningMessage: show('warning'), showInformationMessage: show('info'),
      setStatusBarMessage: () => ({ dispose() {} }),
      showTextDocument: async (doc: FakeDocument, o?: unknown) => { shownDocuments.push({ uri: doc.uri.toString(), options: o }); return undefined; },
      showInputBox: async (o: { title?: string; value?: string }) => { inputs.push({ title: o?.title, value: o?.value }); return state.inputAnswer; },
      // With quickPickAll, a multi-select pick answers with the items it pre-selected.
      showQuickPick: async (items: Array<{ picked?: boolean }>, o?: { canPickMany?: boolean }) => (state.quickPickAll && o?.canPickMany ? items.filter((i) => i.picked) : undefined),
    },
    workspace: {
      getConfiguration: () => ({
        get: (k: string) => settings[`tqstar.${k}`] ?? (k === 'strategies' ? undefined : {}),
        // User scope only, built into a value tree the way VS Code's configuration model builds one.
        inspect: (k: string) => ({ key: `tqstar.${k}`, globalValue: valueAt(valueTree(settings), `tqstar.${k}`) }),
      }),
      registerTextDocumentContentProvider: () => ({ dispose() {} }),
      onDidChangeTextDocument: documentChanges.event,
      onDidCloseTextDocument: new EventEmitter<unknown>().event,
      get textDocuments() { return state.activeTextEditor ? [state.activeTextEditor.document] : []; },
      isTrusted: true as boolean,
      openTextDocument: async (o: { content: string } | Uri) => (o instanceof Uri ? new FakeDocument(`(virtual ${o.toString()})`, o) : new FakeDocument(o.content, Uri.from({ scheme: 'untitled', path: '/1' }))),
      workspaceFolders: undefined,
    },
    commands: {
      registerCommand: (id: string, f: (...a: unknown[]) => unknown) => { commands.set(id, f); return { dispose: () => commands.delete(id) }; },
      executeCommand: async (id: string, ...args: unknown[]) => {
        executed.push({ id, args });
        if (id === 'setContext') { context[args[0] as string] = args[1]; return; }
        return commands.get(id)?.(...args);
      },
    },
  };
  const secrets = new Map<string, string>();
  const workspaceState = new Map<string, unknown>();
  const globalState = new Map<string, unknown>();
  const extContext = {
    subscriptions: [] as Array<{ dispose(): void }>,
    extensionUri: Uri.file('/ext'),
    secrets: { get: async (k: string) => secrets.get(k), store: async (k: string, v: string) => { secrets.set(k, v); }, delete: async (k: string) => { secrets.delete(k); } },
    workspaceState: { get: (k: string) => workspaceState.get(k), update: async (k: string, v: unknown) => { workspaceState.set(k, v); } },
    globalState: { get: (k: string) => globalState.get(k), update: async (k: string, v: unknown) => { globalState.set(k, v); } },
  };
  return { vscode, extContext, registered, fakePanel, fakeView, commands, shown, executed, logLines, panels, context, clipboard, state, secrets, workspaceState, inputs, shownDocuments };
}
