// The evaluation webview bundle in jsdom: ready/cancel/export messages, the table, inline SVG plots, click a point → its answers as text.
import assert from 'node:assert/strict';
import { buildSync } from 'esbuild';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import type { AnswerRecord } from '../../src/eval/records';
import { summarise } from '../../src/eval/summary';
import { STRATEGY_COLORS } from '../../src/eval/svg';
import { evalView, partialView } from '../../src/eval/view';
import { EvalView } from '../../src/webview/evalProtocol';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tqstar-evalview-'));
// The options of scripts/build.mjs, into a temporary folder (media/dist may be in use by a packaging run).
buildSync({ absWorkingDir: root, entryPoints: ['src/webview/eval.ts'], bundle: true, platform: 'browser', target: 'es2022', format: 'iife', outdir: dir, logLevel: 'error' });
const code = readFileSync(join(dir, 'eval.js'), 'utf8');

function load() {
  const dom = new JSDOM('<!DOCTYPE html><html><body class="vscode-dark"><div id="app"></div></body></html>', { runScripts: 'outside-only', url: 'https://webview.invalid/' });
  const posted: unknown[] = [];
  const errors: string[] = [];
  let state: unknown;
  (dom.window as unknown as Record<string, unknown>).acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => state, setState: (s: unknown) => (state = s) });
  dom.window.addEventListener('error', (e) => errors.push(String(e.message)));
  dom.window.eval(code);
  const send = (data: unknown) => dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data }));
  return { document: dom.window.document, window: dom.window, posted, errors, send };
}

const EVIL = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const answer = (point: string, strategy: AnswerRecord['strategy'], promptId: string, reward: number, tokens: number, text: string): AnswerRecord => ({
  kind: 'answer', key: `${point}-${promptId}`, point, label: `${strategy} label`, strategy, swept: {}, promptId, prompt: `prompt ${promptId}`, seed: 0, decodeSeed: 0, text, finish: 'eos',
  reward, baselineReward: null, outputTokens: 4, modelTokens: tokens * 4, requests: 3, rewardCalls: 1, rewardInputs: 1, wallMs: 10, logBase: -1,
  kl: { value: 1, estimator: 'exact' }, diversity: 0.5, coherence: null, exact: null,
});
const ANSWERS = [answer('b', 'baseline', 'p1', 0.5, 1, 'fine'), answer('b', 'baseline', 'p2', 0.7, 1, 'ok'), answer('t', 'tqstar', 'p1', 0.9, 200, EVIL), answer('t', 'tqstar', 'p2', 1.1, 200, 'great')];
const view = () => evalView('Evaluation — test', ['a note'], true, summarise(ANSWERS, [], 'b'), ANSWERS);

test('evalView is valid protocol data (JSON-safe: NaN → null)', () => {
  const v = view();
  assert.equal(EvalView.safeParse(JSON.parse(JSON.stringify(v))).success, true);
  // Reward against compute, against KL, and the held-out score (fluency, from logBase) against compute.
  assert.equal(v.plots.length, 3);
  assert.match(v.plots[2]!.title, /Held-out score \(fluency\)/);
  assert.equal(v.plots[0]!.embedStyle, false, 'the webview has the colour rules in eval.css');
});

test('progress shows a Cancel button that posts cancel; the result shows the table and three SVG plots', () => {
  const w = load();
  assert.deepEqual(w.posted, [{ type: 'ready' }]);
  w.send({ type: 'progress', done: 3, total: 10, etaMs: 1000, message: '3/10 answers' });
  assert.match(w.document.querySelector('.status')!.textContent!, /3\/10 answers/);
  (w.document.querySelector('#cancel') as HTMLElement).click();
  assert.deepEqual(w.posted.at(-1), { type: 'cancel' });
  w.send({ type: 'result', view: view() });
  assert.equal(w.document.querySelector('#cancel'), null);
  const rows = [...w.document.querySelectorAll('table.summary tbody tr')].map((r) => r.querySelector('td')!.textContent);
  assert.deepEqual(rows, ['tqstar label', 'baseline label'], 'best mean reward first');
  const svgs = w.document.querySelectorAll('.plots svg');
  assert.equal(svgs.length, 3);
  assert.equal(svgs[0]!.namespaceURI, 'http://www.w3.org/2000/svg');
  assert.match(svgs[0]!.textContent!, /model tokens per output token/);
  assert.equal(w.document.querySelectorAll('.plots [style]').length, 0, 'no style attributes (the CSP would block them)');
  (w.document.querySelector('#export') as HTMLElement).click();
  assert.deepEqual(w.posted.at(-1), { type: 'exportReport' });
  assert.deepEqual(w.errors, []);
});

test('clicking a point opens its answers, model output as text only', () => {
  const w = load();
  w.send({ type: 'result', view: view() });
  const pt = w.document.querySelector('.plots svg [data-point="t"]')!;
  pt.dispatchEvent(new w.window.MouseEvent('click', { bubbles: true }));
  const cells = [...w.document.querySelectorAll('.answers td.output')].map((c) => c.textContent);
  assert.deepEqual(cells, [EVIL, 'great']);
  assert.equal(w.document.querySelectorAll('.answers img, .answers script, #app script').length, 0);
  assert.match(w.document.querySelector('.answers h2')!.textContent!, /tqstar label/);
  // A row click does the same.
  (w.document.querySelector('table.summary tbody tr[data-point="b"]') as HTMLElement).click();
  assert.deepEqual([...w.document.querySelectorAll('.answers td.output')].map((c) => c.textContent), ['fine', 'ok']);
});

test('invalid messages are ignored; a failure is shown', () => {
  const w = load();
  w.send({ type: 'result', view: { nonsense: true } });
  w.send('<b>');
  assert.match(w.document.querySelector('.status')!.textContent!, /waiting/);
  w.send({ type: 'failed', message: 'connection error: http://x' });
  assert.match(w.document.querySelector('.status')!.textContent!, /failed: connection error/);
});

test('eval.css has the colour rules of every strategy in STRATEGY_COLORS, with the same colours', () => {
  const css = readFileSync(join(root, 'src/webview/eval.css'), 'utf8');
  for (const [k, col] of Object.entries(STRATEGY_COLORS)) {
    assert.ok(css.includes(`.tq-plot .dot.s-${k} { fill: ${col}; }`), `dot rule for ${k}`);
    assert.ok(css.includes(`.tq-plot .ln.s-${k}, .tq-plot .err.s-${k} { stroke: ${col}; }`), `line rule for ${k}`);
  }
});

test('the panel\'s notes carry no source-file paths or CLI flags; KL points are tagged with their estimator, swept points with their values', async () => {
  const { productNotes, pointTag } = await import('../../src/webview/evalNotes');
  const notes = productNotes(['KL estimators (src/eval/kl.ts): exact = known policy', 'critical path: not computed (give --latency SPEC on --world demo or tabular)', 'a note']);
  assert.deepEqual(notes, ['KL estimators: exact = known policy', 'a note']);
  assert.equal(pointTag({ label: 'tqstar alpha=2', strategy: 'tqstar', kl: { mean: 1, se: null, n: 1, estimators: ['upper'] } }), 'α=2 · U');
  assert.equal(pointTag({ label: 'bon', strategy: 'bon', kl: { mean: 1, se: null, n: 1, estimators: ['bound', 'exact'] } }), 'B+E');
  const w = load();
  w.send({ type: 'result', view: { ...view(), notes: ['KL estimators (src/eval/kl.ts): exact = known policy'] } });
  assert.doesNotMatch(w.document.querySelector('.notes')!.textContent!, /src\//);
  const tags = [...w.document.querySelectorAll('.pt-tag')].map((t) => t.textContent);
  assert.ok(tags.some((t) => /(^| · )E$/.test(t!)), `KL plot tags: ${tags.join(', ')}`);
});

test('while it runs, the panel shows the table of the answers so far under the progress bar; the result replaces it', () => {
  const partial = partialView(ANSWERS.slice(0, 3));
  assert.equal(EvalView.safeParse(JSON.parse(JSON.stringify(partial))).success, true);
  const w = load();
  w.send({ type: 'progress', done: 3, total: 4, etaMs: 1000, message: '3/4 answers', partial });
  assert.match(w.document.querySelector('.status')!.textContent!, /3\/4 answers/);
  assert.ok(w.document.querySelector('progress'), 'the progress bar stays');
  const rows = [...w.document.querySelectorAll('table.summary tbody tr')].map((r) => r.querySelector('td')!.textContent);
  assert.deepEqual(rows, ['tqstar label', 'baseline label'], 'the points so far');
  assert.match(w.document.querySelector('[data-testid="partial-note"]')!.textContent!, /3 answers finished/);
  assert.equal(w.document.querySelectorAll('.plots svg').length, 0, 'no plots before the end');
  w.send({ type: 'result', view: view() });
  assert.equal(w.document.querySelector('[data-testid="partial-note"]'), null);
  assert.equal(w.document.querySelectorAll('table.summary').length, 1, 'one table, the final one');
  assert.equal(w.document.querySelectorAll('.plots svg').length, 3);
  assert.deepEqual(w.errors, []);
});

test('a stored evaluation from the history: a failed one shows its failure with the points it finished; another evaluation drops a selection it lacks', () => {
  const w = load();
  w.send({ type: 'result', view: view() });
  (w.document.querySelector('table.summary tbody tr[data-point="t"]') as HTMLElement).click();
  assert.ok(w.document.querySelector('.answers'), 'a point selected');
  // The same evaluation again keeps the selection (the host resends it after a reload).
  w.send({ type: 'result', view: view() });
  assert.ok(w.document.querySelector('.answers'));
  // A failed evaluation's partial view: the failure and its table; the selected point is not in it.
  const partial = partialView(ANSWERS.filter((a) => a.point === 'b'));
  w.send({ type: 'result', view: partial, error: 'connection refused (tqstar.base.baseUrl)' });
  assert.match(w.document.querySelector('.status')!.textContent!, /failed: connection refused \(tqstar\.base\.baseUrl\)/);
  assert.deepEqual([...w.document.querySelectorAll('table.summary tbody tr')].map((r) => r.querySelector('td')!.textContent), ['baseline label']);
  assert.equal(w.document.querySelector('.answers'), null, 'no answers of a point this evaluation does not have');
  // A later complete one clears the failure.
  w.send({ type: 'result', view: view() });
  assert.match(w.document.querySelector('.status')!.textContent!, /complete/);
  assert.deepEqual(w.errors, []);
});
