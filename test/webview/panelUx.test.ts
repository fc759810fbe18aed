// The results panel as people use it (issue 12): progress and ranking, the run's settings with Re-run, accessible names and tab order, legend and chart axes, visible bidi controls.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadWebview, buildWebview } from './loadWebview';
import { result, run, tqResult, tqResultWithBaseTop } from './fixtures';
import { RunConfig } from '../../src/config/schema';
import { progressOf, progressText, shortProgress } from '../../src/webview/progress';
import { xTicks } from '../../src/webview/chart';
import { SHIFT_LEVELS, shiftLevel } from '../../src/webview/tokenShift';
import { rankResults } from '../../src/webview/runState';

before(() => buildWebview(), { timeout: 120_000 });

const config = RunConfig.parse({
  base: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'sft-7b' },
  baseline: { baseUrl: 'http://127.0.0.1:8001/v1', model: 'dpo-7b' },
  reward: { kind: 'builtin', name: 'sentiment' },
  decoding: { alpha: 2.5, strength: 'alpha', gate: { by: 'none' }, maxTokens: 64, seed: 11 },
  strategies: ['tqstar', 'bon', 'greedy'],
});
const cards = (d: Document) => [...d.querySelectorAll<HTMLElement>('[data-testid="result-card"]')];
const status = (d: Document) => d.querySelector('[data-testid="run-status"]')?.textContent ?? '';

test('progress: tokens of maxTokens for the decoding strategy, elapsed, an upper bound for it, and what is queued (item 10)', () => {
  const tq = { ...tqResult(), stats: { requests: 6, modelTokens: 40, wallMs: 400 } }; // 2 tokens in 0.4 s
  const live = run([tq], { status: 'running', stats: null, strategies: ['tqstar', 'bon', 'greedy'], config, done: [], startedAt: 1000 });
  const p = progressOf(live, 13_000);
  assert.deepEqual({ index: p.index, total: p.total, current: p.current, tokens: p.tokens, maxTokens: p.maxTokens, elapsedMs: p.elapsedMs, queued: p.queued }, { index: 1, total: 3, current: 'tqstar', tokens: 2, maxTokens: 64, elapsedMs: 12_000, queued: ['bon', 'greedy'] });
  // (64 − 2) tokens × 0.2 s per token.
  assert.equal(p.atMostLeftMs, 62 * 200);
  // With nothing finished yet, the estimate runs to maxTokens: the same as the bound, which is then not repeated.
  assert.equal(progressText(p), 'running Transfer Q* (1 of 3) — 2 / 64 tokens · 12 s elapsed · ~12 s left · 2 queued');
  // The panel shows it, and the card says "running… 2 / 64 tokens"; queued strategies are listed.
  const w = loadWebview('panel');
  w.send({ type: 'runStart', run: live });
  assert.match(status(w.document), /^running Transfer Q\* \(1 of 3\) — 2 \/ 64 tokens · \d/);
  assert.equal(w.document.querySelector('[data-strategy="tqstar"] [data-testid="finish"]')!.textContent, 'running… 2 / 64 tokens');
  assert.equal(w.document.querySelector('[data-testid="queued"]')!.textContent, 'Queued: Best-of-N, Greedy (base)');
});

test('progress with strategies side by side: each running strategy with its tokens, how many are done, the slowest one\'s bound (item 10)', () => {
  const tq = { ...tqResult(), stats: { requests: 6, modelTokens: 40, wallMs: 400 } }; // 2 tokens in 0.4 s: (64 − 2) × 0.2 s left
  const greedy = { ...result('greedy', 'ok', 0.2), finish: 'maxTokens' as const, tokens: [{ id: 1, text: ' a' }], stats: { requests: 1, modelTokens: 1, wallMs: 100 } }; // (64 − 1) × 0.1 s
  const bon = result('bon', 'ok', 0.4);
  const live = run([tq, greedy, bon], { status: 'running', stats: null, strategies: ['tqstar', 'greedy', 'bon', 'cd'], config, done: ['bon'], startedAt: 1000 });
  const p = progressOf(live, 13_000);
  assert.deepEqual(p.running, [{ strategy: 'tqstar', tokens: 2 }, { strategy: 'greedy', tokens: 1 }]);
  assert.equal(p.atMostLeftMs, 62 * 200, 'the largest of the running strategies\' bounds');
  assert.equal(progressText(p), 'running Transfer Q* 2 / 64, Greedy (base) 1 / 64 tokens (1 of 4 finished) · 12 s elapsed · ~12 s left · 1 queued');
  // The e2e suites (and a reader) tell a finished run by "done": a live status never says it.
  assert.doesNotMatch(progressText(p), /\bdone\b/);
});

test('only finished results are ranked: a live or cancelled partial card has no rank, no "best", no reward bar (item 10)', () => {
  const partial = { ...tqResult(0.95), finish: 'aborted' as const };
  const finished = result('greedy', 'ok', 0.2);
  assert.deepEqual(rankResults([partial, finished]).map((r) => r.strategy), ['greedy', 'tqstar']);
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([partial], { status: 'cancelled', config }) });
  const card = cards(w.document)[0]!;
  assert.ok(!card.classList.contains('best'));
  assert.equal(card.querySelector('h2')!.textContent, 'Transfer Q*', 'no rank number');
  assert.equal(card.querySelector('[role="meter"]'), null);
  assert.match(card.querySelector('.reward-row')!.textContent!, /0\.950.*partial text, not ranked/);
  // Cancelling is the user's own doing: the status is not styled as an error, and no error box shows.
  assert.ok(!w.document.querySelector('[data-testid="run-status"]')!.classList.contains('status-error'));
  assert.equal(w.document.querySelector('[data-testid="error"]'), null);
  // While running, a finished strategy is ranked and the one still decoding is not.
  w.send({ type: 'runStart', run: run([], { id: 'r2', status: 'running', stats: null, strategies: ['greedy', 'tqstar'], config, done: [] }) });
  w.send({ type: 'event', runId: 'r2', event: { type: 'end', strategy: 'greedy', result: finished } });
  w.send({ type: 'event', runId: 'r2', event: { type: 'step', strategy: 'tqstar', step: tqResult().steps[0], text: 'Hello' } });
  const [first, second] = cards(w.document);
  assert.deepEqual([first!.dataset.strategy, second!.dataset.strategy], ['greedy', 'tqstar']);
  assert.equal(first!.querySelector('h2')!.textContent, '1. Greedy (base)');
  assert.equal(second!.querySelector('[role="meter"]'), null);
  // A strategy still decoding has no actions yet (its text is not final).
  assert.ok([...second!.querySelectorAll<HTMLButtonElement>('.actions button')].every((b) => b.disabled));
});

test('warnings show once per run, not on every card; a failed strategy is named in its error (item 11)', () => {
  const w = loadWebview('panel');
  const a = { ...result('bon', 'x', 0.5), warnings: ['text prompts only: re-tokenisation may drift'] };
  const b = { ...result('greedy', 'y', 0.1), warnings: ['text prompts only: re-tokenisation may drift'] };
  const c = { ...result('tqstar', '', null), finish: 'error' as const, error: { kind: 'capability', message: 'cannot score a token outside its own top-20', setting: 'tqstar.decoding.proposer' } };
  w.send({ type: 'showRun', run: run([a, b, c], { status: 'error', warnings: ['base (http://x/v1): the server cannot score candidates outside its own top-k'] }) });
  const warnings = [...w.document.querySelectorAll('.warning')].map((p) => p.textContent);
  assert.equal(warnings.length, 2);
  assert.equal(w.document.querySelectorAll('.card .warning').length, 0);
  assert.match(w.document.querySelector('[data-strategy="tqstar"] [data-testid="error"]')!.textContent!, /^Transfer Q\* failed: cannot score/);
});

test('the header shows the models, reward, α and seed of the run, with Re-run and Settings (item 13)', () => {
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([tqResult()], { config, source: 'settings' }) });
  const summary = w.document.querySelector('[data-testid="run-summary"]')!;
  const pairs = Object.fromEntries([...summary.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
  assert.equal(pairs['π_base'], 'sft-7b @ 127.0.0.1:8000');
  assert.equal(pairs['ρ_BL'], 'dpo-7b @ 127.0.0.1:8001');
  assert.equal(pairs.reward, 'builtin sentiment');
  assert.equal(pairs['α'], '2.5');
  assert.equal(pairs.gate, undefined, 'no gate row for an ungated run');
  assert.equal(pairs.seed, '11');
  const byText = (t: string) => [...w.document.querySelectorAll('button')].find((b) => b.textContent === t)!;
  // The defaults: α found per step from the KL budget, and the gate.
  const w2 = loadWebview('panel');
  w2.send({ type: 'showRun', run: run([tqResult()], { config: RunConfig.parse({ ...config, decoding: { maxTokens: 64, seed: 11 } }), source: 'settings' }) });
  const pairs2 = Object.fromEntries([...w2.document.querySelectorAll('[data-testid="run-summary"] dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
  assert.match(pairs2['α']!, /^per step, from a KL budget of 2 nats\/token$/);
  assert.match(pairs2.gate!, /entropy ≥ 1 nats/);
  byText('Re-run').click();
  byText('Settings').click();
  assert.deepEqual(w.posted.slice(1), [{ type: 'rerun' }, { type: 'openSettings' }]);
});

test('every card button has an accessible name with its strategy; the reward bar is a meter; tokens come before buttons in tab order (item 15)', () => {
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([tqResult(0.9), result('greedy', 'Hey', 0.2)], { config, origin: { label: 'prompt.txt, line 2' } }) });
  const names = [...w.document.querySelectorAll<HTMLButtonElement>('.card .actions button')].map((b) => b.getAttribute('aria-label') ?? b.textContent);
  assert.equal(new Set(names).size, names.length, `duplicate accessible names: ${names.join(' | ')}`);
  assert.ok(names.includes('Insert the Transfer Q* output after the prompt (prompt.txt, line 2)'));
  assert.ok(names.includes('Copy the Greedy (base) output'));
  // With a prompt to act on, the buttons say so.
  assert.ok([...w.document.querySelectorAll('button')].some((b) => b.textContent === 'Replace Prompt'));
  const meter = w.document.querySelector('[data-strategy="tqstar"] [role="meter"]')!;
  assert.equal(meter.getAttribute('aria-valuenow'), '0.9');
  assert.equal(meter.getAttribute('aria-valuemin'), '0', 'a fixed 0–1 scale, not the run\'s lowest reward');
  assert.equal(meter.getAttribute('aria-valuemax'), '1');
  assert.match(meter.getAttribute('aria-label')!, /Transfer Q\* reward/);
  const tqCard = w.document.querySelector('[data-strategy="tqstar"]')!;
  const focusables = [...tqCard.querySelectorAll<HTMLElement>('button, select, [tabindex="0"]')];
  const firstButton = focusables.findIndex((e) => e.tagName === 'BUTTON' || e.tagName === 'SELECT');
  const lastToken = focusables.map((e) => e.dataset.testid).lastIndexOf('token');
  assert.ok(lastToken >= 0 && lastToken < firstButton, 'Tab reaches every token before the first button');
});

test('the legend explains every shading level the tokens can show, and the chart has labelled axes (items 16, 17)', () => {
  assert.deepEqual(SHIFT_LEVELS.map((l) => l.level), [0, 1, 2, 3, 4, 'unmeasured']);
  for (const shift of [null, 0, 0.3, 0.7, 1.5, 9]) assert.ok(SHIFT_LEVELS.some((l) => l.level === shiftLevel(shift)));
  assert.deepEqual(xTicks(1), [1]);
  assert.deepEqual(xTicks(2), [1, 2]);
  assert.deepEqual(xTicks(64), [1, 14, 27, 40, 53, 64]);
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([tqResultWithBaseTop()], { config }) });
  const legend = w.document.querySelector('[data-testid="legend"]')!;
  // Every step was measured: the five measured levels, not the "not measured" one.
  assert.equal(legend.querySelectorAll('li').length, 5);
  assert.match(legend.textContent!, /red.*≥ 2 nats/);
  for (const l of [0, 1, 2, 3, 4]) assert.equal(legend.querySelectorAll(`.swatch.shift-${l}`).length, 1);
  const chart = w.document.querySelector('[data-testid="q-chart"] svg')!;
  const labels = [...chart.querySelectorAll('text')].map((t) => t.textContent);
  assert.ok(labels.includes('token position') && labels.includes('Q̂'), labels.join(','));
  assert.ok(labels.includes('1') && labels.includes('2'), 'x ticks at the token positions');
  assert.ok(chart.querySelectorAll('text.tick').length >= 5, 'three Q̂ ticks and the positions');
});

test('bidi overrides and other invisible characters show as visible marks; inserted text keeps them (issue 11, item 14)', () => {
  const w = loadWebview('panel');
  const text = 'report\u202Egnp.exe';
  w.send({ type: 'showRun', run: run([result('greedy', text, 0.5)], { prompt: 'a\u2066b' }) });
  const out = w.document.querySelector('[data-testid="output-text"]')!;
  assert.equal(out.textContent, 'report[U+202E]gnp.exe');
  assert.ok(!out.textContent!.includes('\u202E'));
  assert.equal(w.document.querySelector('.prompt-text')!.textContent, 'a[U+2066]b');
  [...w.document.querySelectorAll('button')].find((b) => b.textContent === 'Copy')!.click();
  assert.deepEqual(w.posted.at(-1), { type: 'output', action: 'copy', output: { strategy: 'greedy', text } });
});

test('the estimate comes from measured step times and the length the finished strategies reached; the status bar form is short (item 5)', () => {
  const tq = { ...tqResult(), stats: { requests: 6, modelTokens: 40, wallMs: 400 } }; // 0.2 s per token
  const bon = { ...result('bon', 'ten tokens', 0.4), tokens: Array.from({ length: 10 }, (_, i) => ({ id: i, text: 'x' })) };
  const live = run([tq, bon], { status: 'running', stats: null, strategies: ['tqstar', 'bon'], config, done: ['bon'], startedAt: 1000 });
  const p = progressOf(live, 5_000);
  // Best-of-N stopped at 10 tokens: TQ* is expected to need 8 more × 0.2 s, not 62 more.
  assert.ok(Math.abs(p.estimateLeftMs! - 1600) < 1e-9);
  assert.equal(p.atMostLeftMs, 62 * 200);
  assert.equal(progressText(p), 'running Transfer Q* (2 of 2) — 2 / 64 tokens · 4.0 s elapsed · ~1.6 s left · at most ~12 s for it');
  assert.equal(shortProgress(p), 'TQ* 2/64 · ~1.6 s');
  // Before the first token, a GGUF run says the local engine is loading the model.
  const gguf = RunConfig.parse({ ...config, base: { gguf: 'models/tiny/sft.gguf' }, baseline: { gguf: 'models/tiny/dpo.gguf' } });
  const loading = progressOf(run([], { status: 'running', stats: null, strategies: ['tqstar'], config: gguf, done: [], startedAt: 1000 }), 3_000);
  assert.equal(progressText(loading), 'running… loading sft.gguf and dpo.gguf on the local llama.cpp engine (the first run after a start takes longest) · 2.0 s elapsed');
  assert.equal(shortProgress(loading), 'TQ* loading model…');
});
