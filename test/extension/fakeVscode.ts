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

export class FakeDocument {
  constructor(public text: string, readonly uri = Uri.file('/ws/prompt.txt')) {}
  getText(range?: { start: number; end: number }) { return range ? this.text.slice(range.start, range.end) : this.text; }
  lineAt(line: number) { return { text: this.text.split('\n')[line] ?? '' }; }
}

/** Positions are plain character offsets here: enough for insert/replace at one selection. */
export class FakeEditor {
  selection: { start: number; end: number; active: number; isEmpty: boolean; activeLine: number };
  constructor(readonly document: FakeDocument, start = 0, end = document.text.length) {
    this.selection = { start, end, active: end, isEmpty: start === end, activeLine: 0 };
  }
  get selections() { return [this.selection]; }
  viewColumn = 1;
  async edit(f: (b: { insert(p: number, t: string): void; replace(r: { start: number; end: number }, t: string): void }) => void) {
    f({
      insert: (p, t) => { this.document.text = this.document.text.slice(0, p) + t + this.document.text.slice(p); },
      replace: (r, t) => { this.document.text = this.document.text.slice(0, r.start) + t + this.document.text.slice(r.end); },
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
  const state = { activeTextEditor: undefined as FakeEditor | undefined, messageAnswer: undefined as string | undefined };
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
    EventEmitter, Uri,
    ViewColumn: { Beside: -2, One: 1 },
    ProgressLocation: { Notification: 15 },
    StatusBarAlignment: { Left: 1, Right: 2 },
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
      withProgress: async (_o: unknown, task: (p: { report(x: unknown): void }, t: { onCancellationRequested(l: () => void): void }) => unknown) =>
        task({ report() {} }, { onCancellationRequested() {} }),
      showErrorMessage: show('error'), showWarningMessage: show('warning'), showInformationMessage: show('info'),
      setStatusBarMessage: () => ({ dispose() {} }),
      showTextDocument: async () => undefined,
      showInputBox: async () => undefined,
      showQuickPick: async () => undefined,
    },
    workspace: {
      getConfiguration: () => ({
        get: (k: string) => settings[`tqstar.${k}`] ?? (k === 'strategies' ? undefined : {}),
        // User scope only, built into a value tree the way VS Code's configuration model builds one.
        inspect: (k: string) => ({ key: `tqstar.${k}`, globalValue: valueAt(valueTree(settings), `tqstar.${k}`) }),
      }),
      registerTextDocumentContentProvider: () => ({ dispose() {} }),
      openTextDocument: async (o: { content: string }) => new FakeDocument(o.content, Uri.from({ scheme: 'untitled', path: '/1' })),
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
  const extContext = {
    subscriptions: [] as Array<{ dispose(): void }>,
    extensionUri: Uri.file('/ext'),
    secrets: { get: async (k: string) => secrets.get(k), store: async (k: string, v: string) => { secrets.set(k, v); }, delete: async (k: string) => { secrets.delete(k); } },
    workspaceState: { get: (k: string) => workspaceState.get(k), update: async (k: string, v: unknown) => { workspaceState.set(k, v); } },
  };
  return { vscode, extContext, registered, fakePanel, fakeView, commands, shown, executed, logLines, panels, context, clipboard, state, secrets, workspaceState };
}
