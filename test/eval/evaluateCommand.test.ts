// "Transfer Q*: Evaluate on Prompt Set…" in the extension bundle under a FAKE vscode module (test/extension/fakeVscode.ts),
// on the built-in demo backend over real HTTP: picks, progress, the panel's result, export, and resume on the second run.
import assert from 'node:assert/strict';
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EvalView } from '../../src/webview/evalProtocol';
import { createFakeVscode, Uri } from '../extension/fakeVscode';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'tqstar-evalcmd-'));
// Mutable: a later test points the configured endpoints at a closed port.
const settings: Record<string, unknown> = {};
const fake = createFakeVscode(settings);
const promptFile = join(tmp, 'prompts.jsonl');
writeFileSync(promptFile, ['The food was', 'Thank you for', 'The delivery was'].map((p, i) => JSON.stringify({ id: `q${i}`, prompt: p })).join('\n') + '\n');
const saveTo = join(tmp, 'exported.html');
const validation: Array<string | undefined> = [];
let useJudge = false;
// A FAKE vscode.lm chat model for the judge test: it always prefers the answer shown second.
const judgeAsked: string[] = [];
(fake.vscode.lm as Record<string, unknown>).selectChatModels = async () => [
  {
    id: 'fake-judge',
    sendRequest: async (msgs: Array<{ content: string }>) => {
      judgeAsked.push(msgs[0]!.content);
      return { text: (async function* () { yield '2'; })() };
    },
  },
];
let ext: { activate(c: unknown): void };
let bundleDirToRemove: string | undefined;

type Item = { label: string; strategy?: string; file?: boolean; world?: string; judge?: boolean };
// What each test picks (the later tests change them), and the worlds the models step offered.
let openFile = promptFile;
let modelsWorld: string | undefined = 'demo';
let strategiesPicked = ['bon', 'softbon', 'baseline'];
const offeredWorlds: Array<Array<string | undefined>> = [];
const w = fake.vscode.window as Record<string, unknown>;
const sweepOffered: string[][] = [];
const pickTitles: string[] = [];
w.showQuickPick = async (items: Item[] | Promise<Item[]>, o: { title: string }) => {
  const its = await items;
  pickTitles.push(o.title);
  if (/sweep/.test(o.title)) {
    sweepOffered.push(its.map((i) => (i as { label: string }).label));
    return its.find((i) => (i as { line?: unknown }).line === null);
  }
  if (/prompts/.test(o.title)) return its.find((i) => i.file);
  if (/models/.test(o.title)) {
    offeredWorlds.push(its.map((i) => i.world));
    // 'configured': the configured endpoints (the row without a world); undefined: the pick is cancelled.
    return modelsWorld === 'configured' ? its.find((i) => i.world === undefined) : modelsWorld ? its.find((i) => i.world === modelsWorld) : undefined;
  }
  if (/strategies/.test(o.title)) return its.filter((i) => strategiesPicked.includes(i.strategy!));
  if (/judge/.test(o.title)) return its.find((i) => !!i.judge === useJudge);
  return undefined;
};
w.showOpenDialog = async () => [Uri.file(openFile)];
w.showSaveDialog = async () => Uri.file(saveTo);
w.showInputBox = async (o: { validateInput(v: string): string | undefined }) => {
  validation.push(o.validateInput('bon:alpha=3'), o.validateInput('bon:bon=2,4'));
  return 'bon:bon=2,4';
};
(fake.vscode.workspace as Record<string, unknown>).fs = {
  readFile: async (u: Uri) => readFileSync(u.fsPath),
  stat: async (u: Uri) => {
    const st = statSync(u.fsPath);
    return { type: st.isFile() ? 1 : st.isDirectory() ? 2 : 0, size: st.size, ctime: st.ctimeMs, mtime: st.mtimeMs };
  },
  writeFile: async (u: Uri, b: Uint8Array) => writeFileSync(u.fsPath, b),
};
(fake.extContext as Record<string, unknown>).globalStorageUri = Uri.file(join(tmp, 'storage'));

before(() => {
  // Under the checkout (test-output/, ignored) so that the engine's child finds node-llama-cpp in its node_modules, as dist/ does.
  mkdirSync(join(root, 'test-output'), { recursive: true });
  const bundleDir = mkdtempSync(join(root, 'test-output', 'evalcmd-'));
  bundleDirToRemove = bundleDir;
  const outfile = join(bundleDir, 'extension.js');
  const node = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', logLevel: 'error' } as const;
  buildSync({ ...node, entryPoints: ['src/extension/extension.ts'], outfile, format: 'cjs', external: ['vscode', 'node-llama-cpp'] });
  // The local engine's child beside it, as scripts/build.mjs puts dist/engine.mjs beside dist/extension.js.
  buildSync({ ...node, entryPoints: ['src/engine/child.ts'], outfile: join(bundleDir, 'engine.mjs'), format: 'esm', external: ['node-llama-cpp'] });
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _load: (req: string, ...a: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (req: string, ...a: unknown[]) {
    return req === 'vscode' ? fake.vscode : load.call(this, req, ...a);
  };
  ext = require(outfile);
  ext.activate(fake.extContext);
});
after(() => {
  for (const d of fake.extContext.subscriptions) d.dispose();
  if (bundleDirToRemove) rmSync(bundleDirToRemove, { recursive: true, force: true });
});

const results = (posted: unknown[]) => posted.filter((m) => (m as { type: string }).type === 'result').map((m) => EvalView.parse((m as { view: unknown }).view));

test('Evaluate on Prompt Set…: demo backend, a prompt file, three strategies, a scoped sweep → the panel shows every point; export writes the report; a rerun resumes', { timeout: 180_000 }, async () => {
  assert.ok(fake.commands.has('tqstar.evaluate'));
  await fake.vscode.commands.executeCommand('tqstar.evaluate');
  assert.equal(validation[0]?.includes('bon does not read alpha'), true, 'the sweep box rejects a key the strategy does not read');
  // The sweep is a choice (presets for the picked strategies, checked against the schema), "Custom…" types one.
  assert.deepEqual(sweepOffered[0], ['No sweep', 'Best-of-N N: 1, 4, 16', 'Custom…']);
  // Five numbered steps, the judge's included.
  assert.deepEqual(pickTitles.slice(0, 5).map((t) => /\((\d)\/(\d)\)/.exec(t)?.slice(1).join('/')), ['1/5', '2/5', '3/5', '4/5', '5/5']);
  assert.equal(validation[1], undefined);
  const panel = fake.panels.find((p) => p.viewType === 'tqstar.evaluation')!;
  assert.ok(panel, 'the evaluation panel opened');
  assert.match(panel.webview.html, /eval\.js/);
  assert.match(panel.webview.html, /script-src 'nonce-/);
  const errors = fake.shown.filter((s) => s.level === 'error');
  assert.deepEqual(errors, []);
  const [view] = results(panel.webview.posted);
  assert.ok(view, 'a result was posted');
  assert.equal(view!.complete, true);
  assert.deepEqual(view!.points.map((p) => p.label).sort(), ['baseline', 'bon bestOfN=2', 'bon bestOfN=4', 'softbon'], 'the scoped sweep varies Best-of-N only');
  for (const p of view!.points) assert.equal(p.answers, 3);
  assert.ok(view!.points.every((p) => p.coherence !== null), 'coherence from the demo embedding endpoint');
  assert.ok(panel.webview.posted.some((m) => (m as { type: string }).type === 'progress'));

  // The page asks for an export: the host writes its own report file, not anything the page sent.
  panel.webview.receive({ type: 'exportReport' });
  for (let i = 0; i < 100 && !existsSync(saveTo); i++) await new Promise((r) => setTimeout(r, 20));
  const html = readFileSync(saveTo, 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /bon bestOfN=4/);

  // The same choices again: every answer comes from the stored JSONL.
  const dirs = readdirSync(join(tmp, 'storage', 'eval'));
  assert.equal(dirs.length, 1);
  const jsonl = join(tmp, 'storage', 'eval', dirs[0]!, 'answers.jsonl');
  const lines = readFileSync(jsonl, 'utf8');
  assert.equal(lines.trim().split('\n').length, 12);
  panel.webview.posted.length = 0;
  await fake.vscode.commands.executeCommand('tqstar.evaluate');
  assert.equal(readFileSync(jsonl, 'utf8'), lines, 'nothing redone');
  const [again] = results(panel.webview.posted);
  assert.deepEqual(again!.points.map((p) => p.reward), view!.points.map((p) => p.reward));
});

test('evaluations are listed in Run History (newest first, with their best point); one reopens in the evaluation panel with its own report; Clear History removes both', { timeout: 60_000 }, async () => {
  const provider = fake.registered.views.get('tqstar.history') as { resolveWebviewView(v: unknown): void };
  const view = fake.fakeView();
  provider.resolveWebviewView(view);
  view.webview.receive({ type: 'ready' });
  type Entry = { kind?: string; id: string; prompt: string; status: string; points?: number; bestLabel?: string; bestReward: number | null; detail?: string; startedAt: number };
  const entries = (view.webview.posted.at(-1) as { type: string; entries: Entry[] }).entries;
  // The first test ran two evaluations of the same setup (the second resumed): two entries, newest first.
  const evals = entries.filter((e) => e.kind === 'eval');
  assert.equal(evals.length, 2, JSON.stringify(entries.map((e) => [e.kind, e.id])));
  assert.ok(evals[0]!.startedAt >= evals[1]!.startedAt);
  const [newest] = evals;
  assert.equal(newest!.status, 'done');
  assert.equal(newest!.points, 4);
  assert.equal(newest!.prompt, promptFile);
  assert.equal((newest as { prompts?: number }).prompts, 3);
  assert.match(newest!.detail!, /word-level n-gram pair · 12\/12 answers/);
  const panel = fake.panels.find((p) => p.viewType === 'tqstar.evaluation')!;
  // The panel's last result: the second (resumed) evaluation of the first test, the newest entry.
  const shownLast = results(panel.webview.posted).at(-1);
  // The best point is the one with the highest mean reward of the stored view.
  const stateEvals = fake.workspaceState.get('tqstar.evalHistory.v1') as Array<{ id: string; view: { points: Array<{ label: string; reward: { mean: number } | null }> }; report?: string }>;
  const rec = stateEvals.find((e) => e.id === newest!.id)!;
  const top = [...rec.view.points].filter((p) => p.reward).sort((a, b) => b.reward!.mean - a.reward!.mean)[0]!;
  assert.equal(newest!.bestLabel, top.label);
  assert.equal(newest!.bestReward, top.reward!.mean);
  assert.ok(shownLast, 'the first test left its last result in the panel');
  // As the panel reads it (the protocol's schema; the host's view also carries fields the page does not read).
  assert.deepEqual(rec.view, shownLast, 'the history keeps the view the panel showed');

  // Reopen the older one: the panel shows its stored view; its report is its own copy, not the setup folder's.
  const older = stateEvals.find((e) => e.id === evals[1]!.id)!;
  assert.ok(older.report && existsSync(older.report), 'the entry keeps its own copy of the report');
  assert.notEqual(older.report, rec.report);
  panel.webview.posted.length = 0;
  view.webview.receive({ type: 'open', id: evals[1]!.id });
  const [reopened] = results(panel.webview.posted);
  assert.ok(reopened, 'the stored evaluation was posted to the evaluation panel');
  assert.deepEqual(reopened!.points.map((p) => [p.label, p.reward?.mean]), older.view.points.map((p) => [p.label, p.reward?.mean]));
  rmSync(saveTo, { force: true });
  panel.webview.receive({ type: 'exportReport' });
  for (let i = 0; i < 100 && !existsSync(saveTo); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(readFileSync(saveTo, 'utf8'), readFileSync(older.report, 'utf8'), 'Export Report… writes the reopened evaluation\'s report');

  // Clear History: the entries and the report copies go.
  view.webview.receive({ type: 'clear' });
  for (let i = 0; i < 50 && (view.webview.posted.at(-1) as { entries: unknown[] }).entries.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual((view.webview.posted.at(-1) as { entries: unknown[] }).entries, []);
  assert.equal(existsSync(older.report), false);
  assert.equal(existsSync(rec.report!), false);
});

test('with the vscode.lm judge: every answer is judged against the baseline in a seeded order, on the resumed answers', { timeout: 180_000 }, async () => {
  useJudge = true;
  const panel = fake.panels.find((p) => p.viewType === 'tqstar.evaluation')!;
  panel.webview.posted.length = 0;
  const dir = readdirSync(join(tmp, 'storage', 'eval'))[0]!;
  const jsonl = join(tmp, 'storage', 'eval', dir, 'answers.jsonl');
  const answersBefore = readFileSync(jsonl, 'utf8').trim().split('\n').length;
  await fake.vscode.commands.executeCommand('tqstar.evaluate');
  const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; candidateFirst: boolean; outcome: string });
  const judged = lines.filter((l) => l.kind === 'judge');
  assert.equal(lines.length - judged.length, answersBefore, 'no answer decoded again');
  assert.equal(judged.length, 9, 'the three non-baseline points × three prompts');
  assert.equal(judgeAsked.length, 9);
  // "2" is the second answer shown: a win exactly when the candidate was shown second.
  for (const j of judged) assert.equal(j.outcome, j.candidateFirst ? 'loss' : 'win');
  const [view] = results(panel.webview.posted);
  const judgedPoints = view!.points.filter((p) => p.judge);
  assert.equal(judgedPoints.length, 3);
  assert.equal(judgedPoints.reduce((n, p) => n + p.judge!.n, 0), 9);
});

test('where the package carries the tiny transformers they are offered first and the evaluation runs them on the local engine', { timeout: 240_000 }, async () => {
  useJudge = false;
  // A package (here: the checkout) with models/tiny, as the linux-x64 one has.
  (fake.extContext as Record<string, unknown>).extensionPath = root;
  openFile = join(tmp, 'one-prompt.jsonl');
  writeFileSync(openFile, JSON.stringify({ id: 't0', prompt: 'The food was' }) + '\n');
  modelsWorld = 'tiny';
  strategiesPicked = ['greedy', 'baseline'];
  offeredWorlds.length = 0;
  const open = fake.panels.find((p) => p.viewType === 'tqstar.evaluation');
  if (open) open.webview.posted.length = 0;
  const errorsBefore = fake.shown.filter((x) => x.level === 'error').length;
  await fake.vscode.commands.executeCommand('tqstar.evaluate');
  assert.deepEqual(offeredWorlds[0], [undefined, 'tiny', 'demo'], 'configured endpoints, then the tiny transformers, then the n-gram pair');
  assert.deepEqual(fake.shown.filter((x) => x.level === 'error').slice(errorsBefore), []);
  const panel = fake.panels.find((p) => p.viewType === 'tqstar.evaluation')!;
  const [view] = results(panel.webview.posted);
  assert.ok(view, 'a result was posted');
  assert.equal(view!.complete, true);
  assert.match(view!.title, /tiny/);
  assert.match(view!.notes[0]!, /TINY DEMO MODELS TRAINED BY THIS PROJECT/);
  assert.deepEqual(view!.points.map((p) => p.label).sort(), ['baseline', 'greedy']);
  for (const p of view!.points) assert.equal(p.answers - p.errors, 1, `${p.label} answered`);
  const texts = Object.values(view!.answers).flat().map((a) => a.text);
  assert.ok(texts.length === 2 && texts.every((t) => t.trim().length > 0), 'the engine generated both answers');
});

test('where it does not (the universal package) only the n-gram demo pair is offered', async () => {
  (fake.extContext as Record<string, unknown>).extensionPath = tmp;
  modelsWorld = undefined;
  offeredWorlds.length = 0;
  await fake.vscode.commands.executeCommand('tqstar.evaluate');
  assert.deepEqual(offeredWorlds[0], [undefined, 'demo']);
});

test('an evaluation that fails is kept in Run History as failed, with its error; reopening shows the failure', { timeout: 60_000 }, async () => {
  // A port nothing listens on: the configured endpoints refuse.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  Object.assign(settings, {
    'tqstar.base': { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'sft' },
    'tqstar.baseline': { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'dpo' },
    'tqstar.reward': { kind: 'builtin', name: 'length', target: 8 },
  });
  modelsWorld = 'configured';
  try {
    await fake.vscode.commands.executeCommand('tqstar.evaluate');
  } finally {
    for (const k of Object.keys(settings)) delete settings[k];
    modelsWorld = 'demo';
  }
  const stored = (fake.workspaceState.get('tqstar.evalHistory.v1') as Array<{ id: string; status: string; error?: string; models: string; view: unknown }>)[0]!;
  assert.equal(stored.status, 'error');
  assert.match(stored.error!, /127\.0\.0\.1/);
  assert.match(stored.models, /base sft, baseline dpo, reward builtin/);
  assert.ok(fake.shown.some((x) => x.level === 'error'), 'the failure was reported');
  const provider = fake.registered.views.get('tqstar.history') as { resolveWebviewView(v: unknown): void };
  const view = fake.fakeView();
  provider.resolveWebviewView(view);
  view.webview.receive({ type: 'ready' });
  const entry = (view.webview.posted.at(-1) as { entries: Array<{ id: string; kind?: string; status: string; detail?: string }> }).entries[0]!;
  assert.deepEqual([entry.kind, entry.id, entry.status], ['eval', stored.id, 'error']);
  assert.match(entry.detail!, /failed: /);
  const panel = fake.panels.find((p) => p.viewType === 'tqstar.evaluation')!;
  panel.webview.posted.length = 0;
  view.webview.receive({ type: 'open', id: stored.id });
  const shown = panel.webview.posted.at(-1) as { type: string; message?: string; error?: string };
  // With no point finished there is no table: the panel shows the failure itself.
  assert.equal(shown.type, stored.view ? 'result' : 'failed');
  assert.equal(shown.message ?? shown.error, stored.error);
  view.webview.receive({ type: 'clear' });
  await new Promise((r) => setTimeout(r, 20));
});
