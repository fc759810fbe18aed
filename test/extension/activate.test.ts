// Smoke test of the extension bundle (built as dist/extension.js is) under a FAKE vscode module (fakeVscode.ts), against the real reference server over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createFakeVscode, FakeDocument, FakeEditor, type FakeWebview } from './fakeVscode';
import { startServer } from '../../src/server';
import { demoRunConfig } from '../../src/server/demoConfig';

const root = fileURLToPath(new URL('../..', import.meta.url));
const settings: Record<string, unknown> = {};
const fake = createFakeVscode(settings);
let server: Awaited<ReturnType<typeof startServer>>;
let ext: { activate(c: unknown): void; deactivate(): void };
let outfile = '';
/** The fake that `require('vscode')` returns to the bundle being loaded. */
let currentFake = fake;

function setDemoSettings(over: Record<string, unknown> = {}) {
  for (const k of Object.keys(settings)) delete settings[k];
  const cfg = demoRunConfig(server.url) as Record<string, unknown>;
  for (const [k, v] of Object.entries({ ...cfg, decoding: { ...(cfg.decoding as object), maxTokens: 5, rollouts: 2, horizon: 5 }, strategies: ['tqstar', 'greedy'], ...over })) settings[`tqstar.${k}`] = v;
}

before(async () => {
  // The options of scripts/build.mjs, into a temporary folder: writing dist/ would race a concurrent `npm run package`.
  outfile = join(mkdtempSync(join(tmpdir(), 'tqstar-ext-')), 'extension.js');
  buildSync({ absWorkingDir: root, entryPoints: ['src/extension/extension.ts'], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
  server = await startServer({ port: 0, quiet: true });
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _load: (req: string, ...a: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (req: string, ...a: unknown[]) { return req === 'vscode' ? currentFake.vscode : load.call(this, req, ...a); };
  ext = require(outfile);
  fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The movie was'));
  ext.activate(fake.extContext);
}, { timeout: 150_000 });

after(async () => {
  for (const d of fake.extContext.subscriptions) d.dispose();
  await server?.close();
});

const lastPanel = () => fake.panels.at(-1)!;
/** The page's "ready": the host answers with the whole current run, as after a reload. */
function readyAndGetRun(w: FakeWebview) {
  w.posted.length = 0;
  w.receive({ type: 'ready' });
  const m = w.posted.at(-1) as { type: string; run: { status: string; results: Array<{ strategy: string; text: string; reward: number | null }>; error?: { message: string } } };
  assert.equal(m.type, 'showRun');
  return m.run;
}

test('activation registers every contract command', () => {
  for (const id of ['generateFromSelection', 'generateFromPrompt', 'compareStrategies', 'cancel', 'openPanel', 'testConnections', 'setApiKey', 'clearApiKey', 'tryDemo']) assert.ok(fake.commands.has(`tqstar.${id}`), id);
});

test('Try the Demo with nothing configured starts the built-in server and shows a ranked result in the panel', { timeout: 180_000 }, async () => {
  for (const k of Object.keys(settings)) delete settings[k];
  await fake.vscode.commands.executeCommand('tqstar.tryDemo');
  const p = lastPanel();
  assert.equal(p.viewType, 'tqstar.results');
  assert.equal(p.title, 'Transfer Q* Results');
  assert.match(p.webview.html, /script-src 'nonce-[A-Za-z0-9]+'/);
  const run = readyAndGetRun(p.webview);
  assert.equal(run.status, 'done', run.error?.message);
  const tq = run.results.find((r) => r.strategy === 'tqstar');
  assert.ok(tq && tq.text.length > 0 && tq.reward !== null);
  const rewards = run.results.map((r) => r.reward ?? -Infinity);
  assert.deepEqual(rewards, [...rewards].sort((a, b) => b - a));
  assert.equal(fake.context['tqstar.running'], false);
  // The run is in the workspace history.
  assert.equal((fake.workspaceState.get('tqstar.history.v1') as unknown[]).length, 1);
});

test('Insert at Cursor from the panel inserts at the cursor of the editor the user was in, keeping the prompt', async () => {
  const w = lastPanel().webview;
  const shown = readyAndGetRun(w);
  const tq = shown.results.find((r) => r.strategy === 'tqstar')!;
  const greedy = shown.results.find((r) => r.strategy === 'greedy')!;
  w.receive({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: tq.text } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fake.state.activeTextEditor!.document.text, `The movie was${tq.text}`);
  w.receive({ type: 'output', action: 'copy', output: { strategy: 'greedy', text: greedy.text } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fake.clipboard.text, greedy.text);
  // Text the run does not have is refused: the host acts only on outputs it holds.
  w.receive({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: ' forged text' } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fake.state.activeTextEditor!.document.text, `The movie was${tq.text}`);
  assert.ok(fake.logLines.some((l) => l.includes('an output the run does not have')));
  // A malformed message from the page is logged and ignored.
  w.receive({ type: 'output', action: 'format-disk', output: {} });
  assert.ok(fake.logLines.some((l) => l.includes('invalid message')));
});

test('Generate from Selection logs one line per request with URL and status, never the stored key', { timeout: 120_000 }, async () => {
  setDemoSettings();
  await fake.secrets.set('tqstar.apiKey.base', 'sk-secret-for-test');
  fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The food was'));
  const before = fake.logLines.length;
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  const run = readyAndGetRun(lastPanel().webview);
  assert.equal(run.status, 'done', run.error?.message);
  const requests = fake.logLines.slice(before).filter((l) => l.includes(' → '));
  assert.ok(requests.length > 3);
  assert.ok(requests.every((l) => l.includes(new URL(server.url).host)));
  assert.ok(!fake.logLines.some((l) => l.includes('sk-secret-for-test')));
});

test('an invalid setting gives one message naming it, and "Open Settings" opens that setting', { timeout: 30_000 }, async () => {
  setDemoSettings({ decoding: { topK: 0 } });
  fake.shown.length = 0;
  fake.state.messageAnswer = 'Open Settings';
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  await new Promise((r) => setTimeout(r, 50));
  fake.state.messageAnswer = undefined;
  assert.equal(fake.shown.length, 1);
  assert.match(fake.shown[0]!.message, /tqstar\.decoding\.topK/);
  // A config error is fixed in Settings: testing connections would only repeat it (issue 12, item 8).
  assert.deepEqual(fake.shown[0]!.actions, ['Open Settings', 'Show Log']);
  assert.ok(fake.executed.some((e) => e.id === 'workbench.action.openSettings' && e.args[0] === 'tqstar.decoding.topK'));
});

test('Test Connections reports OK endpoints, and names a closed port with the fixing actions', { timeout: 60_000 }, async () => {
  setDemoSettings();
  fake.shown.length = 0;
  await fake.vscode.commands.executeCommand('tqstar.testConnections');
  assert.match(fake.shown.at(-1)!.message, /reachable and OK/);
  const port = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address() as { port: number }; s.close(() => resolve(a.port)); }); });
  const cfg = demoRunConfig(server.url) as { base: Record<string, unknown> };
  setDemoSettings({ base: { ...cfg.base, baseUrl: `http://127.0.0.1:${port}/v1` } });
  await fake.vscode.commands.executeCommand('tqstar.testConnections');
  const bad = fake.shown.at(-1)!;
  assert.equal(bad.level, 'error');
  assert.match(bad.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.ok(bad.actions.includes('Open Settings'));
});

test('Cancel from the panel aborts the run; the panel ends "cancelled" with the partial output', { timeout: 120_000 }, async () => {
  setDemoSettings({ decoding: { ...(demoRunConfig(server.url).decoding as object), maxTokens: 24 } });
  fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The movie was'));
  const running = fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  const w = lastPanel().webview;
  w.receive({ type: 'ready' });
  // Cancel as soon as the first TQ* step reaches the page, as a user would mid-run.
  const post = w.postMessage;
  w.postMessage = async (m: unknown) => {
    const r = await post(m);
    // Strategies decode side by side, so the first step on the page may be another strategy's.
    const msg = m as { type: string; event?: { type: string; strategy?: string } };
    if (msg.type === 'event' && msg.event?.type === 'step' && msg.event.strategy === 'tqstar') w.receive({ type: 'cancel' });
    return r;
  };
  await running;
  w.postMessage = post;
  const end = w.posted.find((m) => (m as { type: string }).type === 'runEnd') as { status: string } | undefined;
  assert.equal(end?.status, 'cancelled');
  const run = readyAndGetRun(w);
  assert.equal(run.status, 'cancelled');
  const tq = run.results.find((r) => r.strategy === 'tqstar');
  assert.ok(tq && tq.text.length > 0, 'partial TQ* output kept');
  assert.equal(fake.context['tqstar.running'], false);
});

test('the history view lists runs, reopens one in the panel, and clears', { timeout: 30_000 }, async () => {
  const provider = fake.registered.views.get('tqstar.history') as { resolveWebviewView(v: unknown): void };
  const view = fake.fakeView();
  provider.resolveWebviewView(view);
  assert.match(view.webview.html, /script-src 'nonce-/);
  view.webview.receive({ type: 'ready' });
  const list = view.webview.posted.at(-1) as { type: string; entries: Array<{ id: string; prompt: string; status: string }> };
  assert.equal(list.type, 'history');
  assert.ok(list.entries.length >= 3, `entries: ${list.entries.length}`);
  assert.equal(list.entries[0]!.status, 'cancelled', 'newest first');
  const oldest = list.entries.at(-1)!;
  const w = lastPanel().webview;
  w.posted.length = 0;
  view.webview.receive({ type: 'open', id: oldest.id });
  const shown = w.posted.at(-1) as { type: string; run: { id: string } };
  assert.deepEqual([shown.type, shown.run.id], ['showRun', oldest.id]);
  view.webview.receive({ type: 'clear' });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual((view.webview.posted.at(-1) as { entries: unknown[] }).entries, []);
});

test('after a window reload the serializer restores the saved run into a new panel', { timeout: 30_000 }, async () => {
  // A fresh extension host: load and activate the bundle again against a new fake.
  const fresh = createFakeVscode({});
  currentFake = fresh;
  const require = createRequire(import.meta.url);
  delete require.cache[outfile];
  const ext2 = require(outfile) as typeof ext;
  ext2.activate(fresh.extContext);
  currentFake = fake;
  try {
    const serializer = fresh.registered.serializers.get('tqstar.results') as { deserializeWebviewPanel(p: unknown, state: unknown): Promise<void> };
    const saved = { run: { id: 'saved-1', prompt: 'p', strategies: ['greedy'], startedAt: 1, status: 'done', results: [], stats: null } };
    const restored = fresh.fakePanel('tqstar.results', 'Transfer Q* Results');
    await serializer.deserializeWebviewPanel(restored, saved);
    assert.match(restored.webview.html, /Content-Security-Policy/);
    restored.webview.receive({ type: 'ready' });
    const m = restored.webview.posted.at(-1) as { type: string; run: { id: string } };
    assert.deepEqual([m.type, m.run.id], ['showRun', 'saved-1']);
    // Open Panel now reveals that restored panel rather than creating another.
    await fresh.vscode.commands.executeCommand('tqstar.openPanel');
    assert.equal(fresh.panels.length, 1);
  } finally {
    for (const d of fresh.extContext.subscriptions) d.dispose();
  }
});

/** Waits (bounded) until `cond` holds, letting the run's HTTP traffic proceed. */
async function until(cond: () => boolean, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('Replace Prompt after Insert after Prompt writes prompt + continuation in place of only the prompt, wherever edits moved it (issue 12, item 1)', { timeout: 120_000 }, async () => {
  setDemoSettings();
  const doc = new FakeDocument('# Notes\nThe movie was\nend');
  const editor = new FakeEditor(doc);
  editor.select(8, 21); // "The movie was"
  fake.state.activeTextEditor = editor;
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  const w = lastPanel().webview;
  const run = readyAndGetRun(w) as ReturnType<typeof readyAndGetRun> & { origin?: { label: string } };
  assert.equal(run.origin?.label, 'prompt.txt, line 2');
  const tq = run.results.find((r) => r.strategy === 'tqstar')!;
  w.receive({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: tq.text } });
  await until(() => doc.text.includes(tq.text), 'the insert');
  assert.equal(doc.text, `# Notes\nThe movie was${tq.text}\nend`);
  // The user edits above the prompt and selects everything: the prompt's range moves, the selection is ignored.
  await editor.edit((b) => b.insert(doc.positionAt(0), 'Intro\n'));
  editor.select(0, doc.text.length);
  w.receive({ type: 'output', action: 'replace', output: { strategy: 'tqstar', text: tq.text } });
  await until(() => doc.text.startsWith('Intro\n# Notes\nThe movie was' + tq.text + tq.text), 'the replace');
  // Replace writes prompt + continuation in place of the prompt: the text reads on, the prompt is not lost.
  assert.equal(doc.text, `Intro\n# Notes\nThe movie was${tq.text}${tq.text}\nend`);
});

test('Compare Strategies with no selection asks for the prompt, pre-filled with the cursor line (item 3)', { timeout: 120_000 }, async () => {
  setDemoSettings();
  const editor = new FakeEditor(new FakeDocument('# Notes'), 0, 0);
  fake.state.activeTextEditor = editor;
  fake.state.quickPickAll = true;
  fake.inputs.length = 0;
  const panelsBefore = lastPanel().webview.posted.length;
  fake.state.inputAnswer = undefined; // the user dismisses the box: nothing runs
  await fake.vscode.commands.executeCommand('tqstar.compareStrategies');
  assert.deepEqual(fake.inputs.at(-1), { title: 'Transfer Q*: Compare Strategies', value: '# Notes' });
  assert.equal(lastPanel().webview.posted.length, panelsBefore, 'no run started');
  fake.state.inputAnswer = 'The food was';
  await fake.vscode.commands.executeCommand('tqstar.compareStrategies');
  fake.state.quickPickAll = false;
  fake.state.inputAnswer = undefined;
  const run = readyAndGetRun(lastPanel().webview) as ReturnType<typeof readyAndGetRun> & { prompt: string; origin?: unknown };
  assert.equal(run.prompt, 'The food was');
  assert.equal(run.origin, undefined, 'a typed prompt has no place in the document to act on');
});

test('starting a run while one decodes asks: Cancel leaves it, Stop It and Start replaces it (item 2)', { timeout: 180_000 }, async () => {
  const slow = await startServer({ port: 0, quiet: true, latency: 'request=150' });
  try {
    setDemoSettings(Object.fromEntries(Object.entries(demoRunConfig(slow.url)).filter(([k]) => k !== 'decoding')));
    fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The movie was'));
    const first = fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
    await until(() => fake.context['tqstar.running'] === true, 'the first run to start');
    const firstId = (lastPanel().webview.posted.find((m) => (m as { type: string }).type === 'runStart') as { run: { id: string } } | undefined)?.run.id;
    fake.shown.length = 0;
    fake.state.messageAnswer = undefined; // VS Code's own Cancel of the modal dialog
    await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
    assert.match(fake.shown.at(-1)!.message, /still decoding/);
    assert.deepEqual(fake.shown.at(-1)!.actions, ['Stop It and Start'], 'one action; VS Code adds Cancel to a modal');
    assert.equal(fake.context['tqstar.running'], true, 'the first run goes on');
    fake.state.messageAnswer = 'Stop It and Start';
    const second = fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
    await first;
    fake.state.messageAnswer = undefined;
    await second;
    const ends = lastPanel().webview.posted.filter((m) => (m as { type: string }).type === 'runEnd') as Array<{ runId: string; status: string }>;
    assert.ok(!ends.some((e) => e.runId === firstId && e.status === 'done'), 'the first run did not run to the end');
    assert.notEqual(readyAndGetRun(lastPanel().webview).status, 'running');
  } finally {
    fake.state.messageAnswer = undefined;
    await slow.close();
  }
});

test('a wrong model name names tqstar.base.model and lists the served models; server text never becomes a live link (item 6; issue 11 item 11)', { timeout: 120_000 }, async () => {
  const cfg = demoRunConfig(server.url) as { base: Record<string, unknown> };
  setDemoSettings({ base: { ...cfg.base, model: 'evil [Open Settings](command:workbench.action.terminal.new)' } });
  fake.shown.length = 0;
  fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The movie was'));
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  await until(() => fake.shown.some((s) => s.level === 'error'), 'the error');
  const err = fake.shown.find((s) => s.level === 'error')!;
  assert.match(err.message, /tqstar\.base\.model/);
  assert.match(err.message, /"demo-base"/);
  assert.doesNotMatch(err.message, /\]\(/, 'no Markdown link syntax reaches the notification');
  const run = readyAndGetRun(lastPanel().webview) as ReturnType<typeof readyAndGetRun> & { error?: { setting?: string } };
  assert.equal(run.error?.setting, 'tqstar.base.model');
});

test('an untrusted workspace says once that its endpoint settings are ignored, with Manage Workspace Trust (item 7)', { timeout: 120_000 }, async () => {
  setDemoSettings();
  fake.vscode.workspace.isTrusted = false;
  fake.shown.length = 0;
  try {
    fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The movie was'));
    await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
    await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
    const notes = fake.shown.filter((s) => /not trusted/.test(s.message));
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0]!.actions, ['Manage Workspace Trust']);
  } finally {
    fake.vscode.workspace.isTrusted = true;
  }
});

test('Open as Document opens a read-only document in the editor column, not an untitled one over the panel (item 12)', { timeout: 60_000 }, async () => {
  const w = lastPanel().webview;
  const shown = readyAndGetRun(w);
  const r = shown.results.find((x) => x.text.length > 0)!;
  fake.shownDocuments.length = 0;
  w.receive({ type: 'output', action: 'openDocument', output: { strategy: r.strategy, text: r.text } });
  await until(() => fake.shownDocuments.length > 0, 'the document');
  const d = fake.shownDocuments[0]!;
  assert.match(d.uri, /^tqstar-output:\/\//, 'a read-only virtual document (no "Save?" on close)');
  assert.equal((d.options as { viewColumn: number }).viewColumn, 1, 'in the editors\' column');
});

test('a missing endpoint offers Open Settings on its URL and Try the Demo (item 8)', { timeout: 30_000 }, async () => {
  setDemoSettings({ base: {} });
  fake.shown.length = 0;
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  await until(() => fake.shown.length > 0, 'the message');
  assert.match(fake.shown[0]!.message, /tqstar\.base is not set/);
  assert.deepEqual(fake.shown[0]!.actions, ['Open Settings', 'Try the Demo']);
});

test('Re-run from the panel decodes the same prompt and strategies again (item 13)', { timeout: 120_000 }, async () => {
  setDemoSettings();
  fake.state.activeTextEditor = new FakeEditor(new FakeDocument('The food was'));
  await fake.vscode.commands.executeCommand('tqstar.generateFromSelection');
  const w = lastPanel().webview;
  const first = readyAndGetRun(w) as ReturnType<typeof readyAndGetRun> & { id: string; prompt: string; strategies: string[] };
  w.receive({ type: 'rerun' });
  await until(() => { const r = readyAndGetRun(w) as typeof first; return r.id !== first.id && r.status !== 'running'; }, 'the re-run');
  const again = readyAndGetRun(w) as typeof first;
  assert.equal(again.prompt, first.prompt);
  assert.deepEqual(again.strategies, first.strategies);
  assert.equal(again.status, 'done');
});
