// The results panel webview, run from its built bundle in jsdom: streaming, ranking, diagnostics, actions, restore, and untrusted output.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadWebview, buildWebview } from './loadWebview';
import { result, run, step, tqResult, tqResultWithBaseTop } from './fixtures';

before(() => buildWebview(), { timeout: 120_000 });

const cards = (d: Document) => [...d.querySelectorAll<HTMLElement>('[data-testid="result-card"]')];
const status = (d: Document) => d.querySelector('[data-testid="run-status"]')?.textContent ?? '';
const buttonByText = (root: ParentNode, text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent === text);

test('before any run it shows how to start one and tells the host it is ready', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  assert.match(status(p.document), /idle/);
  assert.deepEqual(p.posted, [{ type: 'ready' }]);
  assert.equal(cards(p.document).length, 0);
});

test('live steps appear as tokens while running, then cards rank by reward when the run ends', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  const tq = tqResult(0.4);
  p.send({ type: 'runStart', run: run([], { status: 'running', stats: null, strategies: ['tqstar', 'bon', 'greedy'] }) });
  assert.match(status(p.document), /running/);
  p.send({ type: 'event', runId: 'run-1', event: { type: 'start', strategy: 'tqstar', promptTokens: 3 } });
  p.send({ type: 'event', runId: 'run-1', event: { type: 'step', strategy: 'tqstar', step: tq.steps[0], text: 'Hello' } });
  let tokens = [...p.document.querySelectorAll('[data-testid="token"]')];
  assert.deepEqual(tokens.map((t) => t.textContent), ['Hello']);
  // A strategy still decoding says so (not "stopped", which is for a cancelled one).
  assert.equal(p.document.querySelector('[data-strategy="tqstar"] .finish')?.textContent, 'running… 1 token');
  p.send({ type: 'event', runId: 'run-1', event: { type: 'step', strategy: 'tqstar', step: tq.steps[1], text: 'Hello world' } });
  tokens = [...p.document.querySelectorAll('[data-testid="token"]')];
  assert.deepEqual(tokens.map((t) => t.textContent), ['Hello', ' world']);
  // An event for another run (a stale one) must not leak into this one.
  p.send({ type: 'event', runId: 'other', event: { type: 'step', strategy: 'greedy', step: tq.steps[0], text: 'x' } });
  assert.equal(cards(p.document).length, 1);

  const final = { results: [result('greedy', 'Hello there', 0.1), result('bon', 'Hi world', 0.7), tq], stats: { requests: 30, modelTokens: 500, wallMs: 1500 } };
  p.send({ type: 'runEnd', runId: 'run-1', status: 'done', result: final });
  assert.deepEqual(cards(p.document).map((c) => c.dataset.strategy), ['bon', 'tqstar', 'greedy']);
  assert.match(status(p.document), /done/);
  const tqCard = p.document.querySelector('[data-testid="result-card"][data-strategy="tqstar"]')!;
  assert.equal(tqCard.querySelector('[data-testid="reward"]')!.textContent, '0.400');
  assert.equal(tqCard.querySelector('[data-testid="output-text"]')!.textContent, 'Hello world');
  assert.match(tqCard.textContent!, /6 requests · 40 model tokens/);
  // The state handed to setState is what a reload restores.
  const last = p.saved.at(-1) as { run: { status: string; results: unknown[] } };
  assert.equal(last.run.status, 'done');
  assert.equal(last.run.results.length, 3);
});

test('tokens are shaded by how far the reward moved the choice from the base model\'s real top-1', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  p.send({ type: 'showRun', run: run([tqResultWithBaseTop()]) });
  const [hello, world] = [...p.document.querySelectorAll<HTMLElement>('[data-testid="token"]')];
  // "Hello" was the base model's top-1 (shift 0); " world" was 2.55 nats below the unproposed top-1 " the".
  assert.ok(hello!.classList.contains('shift-0'));
  assert.ok(world!.classList.contains('shift-4'));
  // One Tab stop for the sequence: the first token; ← → walk the rest.
  assert.equal(hello!.getAttribute('tabindex'), '0');
  assert.equal(world!.getAttribute('tabindex'), '-1');
  assert.match(world!.getAttribute('aria-label')!, /2\.55 nats from the base model's top-1/);
});

test('focusing a token shows its candidate table with Q̂ ± SE and the rollouts', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  p.send({ type: 'showRun', run: run([tqResult()]) });
  assert.match(p.document.querySelector('[data-testid="candidate-table"]')!.textContent!, /Focus or click a token/);
  const world = p.document.querySelectorAll<HTMLElement>('[data-testid="token"]')[1]!;
  world.focus();
  const table = p.document.querySelector('[data-testid="candidate-table"]')!;
  const rows = [...table.querySelectorAll('table:not(.rollouts) tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  assert.deepEqual(rows[0]!.slice(0, 4), ['" there"', '-0.100', '-1.500', '0.100 ± 0.050']);
  assert.deepEqual(rows[1]!.slice(0, 4), ['" world"', '-2.600', '-1.500', '0.900 ± 0.050']);
  assert.equal(rows[1]!.at(-1), '✓ chosen');
  assert.equal(rows[0]!.at(-1), '');
  assert.match(table.textContent!, / world and more/);
  // Focus stays on the token after the re-render, so arrow/tab navigation keeps working.
  assert.equal((p.document.activeElement as HTMLElement).dataset.step, '1');
  // Arrow keys walk the tokens.
  world.ownerDocument.activeElement!.dispatchEvent(new p.window.KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
  assert.equal((p.document.activeElement as HTMLElement).dataset.step, '0');
  assert.match(p.document.querySelector('[data-testid="candidate-table"] h3')!.textContent!, /Step 1: chose "Hello"/);
  p.document.querySelectorAll<HTMLElement>('[data-testid="token"]')[1]!.click();
  assert.match(p.document.querySelector('[data-testid="candidate-table"] h3')!.textContent!, /Step 2/);
  // Clicking the other token switches the table.
  p.document.querySelectorAll<HTMLElement>('[data-testid="token"]')[0]!.click();
  assert.match(p.document.querySelector('[data-testid="candidate-table"] h3')!.textContent!, /Step 1: chose "Hello"/);
});

test('card buttons, Cancel and Export post typed messages to the host', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  p.send({ type: 'runStart', run: run([], { status: 'running', stats: null }) });
  buttonByText(p.document, 'Cancel')!.click();
  p.send({ type: 'runEnd', runId: 'run-1', status: 'done', result: { results: [tqResult(0.9), result('greedy', 'Hey', 0.2)], stats: { requests: 9, modelTokens: 80, wallMs: 50 } } });
  const tqCard = p.document.querySelector('[data-testid="result-card"][data-strategy="tqstar"]')!;
  for (const label of ['Insert at Cursor', 'Replace Selection', 'Copy', 'Open as Document']) buttonByText(tqCard, label)!.click();
  buttonByText(tqCard, 'Diff…')!.click();
  buttonByText(p.document, 'Export JSON')!.click();
  assert.equal(buttonByText(p.document, 'Cancel')!.disabled, true);
  const out = { strategy: 'tqstar', text: 'Hello world' };
  assert.deepEqual(p.posted.slice(0, 7), [
    { type: 'ready' },
    { type: 'cancel' },
    { type: 'output', action: 'insert', output: out },
    { type: 'output', action: 'replace', output: out },
    { type: 'output', action: 'copy', output: out },
    { type: 'output', action: 'openDocument', output: out },
    { type: 'diff', left: { strategy: 'greedy', text: 'Hey' }, right: out },
  ]);
  const exp = p.posted[7] as { type: string; data: { results: Array<{ strategy: string }>; stats: unknown } };
  assert.equal(exp.type, 'export');
  assert.deepEqual(exp.data.results.map((r) => r.strategy), ['tqstar', 'greedy']);
  assert.deepEqual(exp.data.stats, { requests: 9, modelTokens: 80, wallMs: 50 });
});

test('a failed run keeps what was decoded before the failure and shows the error', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  const tq = tqResult();
  p.send({ type: 'runStart', run: run([], { status: 'running', stats: null }) });
  p.send({ type: 'event', runId: 'run-1', event: { type: 'step', strategy: 'tqstar', step: tq.steps[0], text: 'Hello' } });
  p.send({ type: 'runEnd', runId: 'run-1', status: 'error', result: null, error: { kind: 'connection', message: 'connection refused', url: 'http://127.0.0.1:9/v1', setting: 'tqstar.baseline' } });
  assert.match(status(p.document), /error/);
  const err = p.document.querySelector('[data-testid="error"]')!;
  assert.match(err.textContent!, /connection refused/);
  assert.match(err.textContent!, /http:\/\/127\.0\.0\.1:9\/v1/);
  assert.equal(p.document.querySelector('[data-strategy="tqstar"] [data-testid="output-text"]')!.textContent, 'Hello');
});

test('malformed messages are dropped without disturbing the shown run', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  p.send({ type: 'showRun', run: run([tqResult()]) });
  p.send({ type: 'showRun', run: { id: 'x' } });
  p.send({ type: 'event', runId: 'run-1', event: { type: 'step', strategy: 'tqstar', step: { index: 'zero' }, text: 1 } });
  p.send({ type: 'nonsense' });
  p.send('a string');
  assert.equal(cards(p.document).length, 1);
  assert.equal(p.document.querySelector('[data-testid="output-text"]')!.textContent, 'Hello world');
  assert.equal(p.errors.filter((e) => /ignoring invalid message/.test(e)).length, 4);
});

test('the panel restores the run it saved (hidden and reopened, or after a reload)', { timeout: 30_000 }, () => {
  const first = loadWebview('panel');
  first.send({ type: 'showRun', run: run([tqResult(0.9), result('bon', 'Hi', 0.5)]) });
  const again = loadWebview('panel', first.saved.at(-1));
  assert.deepEqual(cards(again.document).map((c) => c.dataset.strategy), ['tqstar', 'bon']);
  assert.equal(again.document.querySelectorAll('[data-testid="token"]').length, 2);
  // A corrupt saved state is ignored, not rendered.
  const corrupt = loadWebview('panel', { run: { id: 5, results: 'x' } });
  assert.match(status(corrupt.document), /idle/);
});

test('model output is text: HTML and </script> in outputs, tokens, rollouts and the prompt never run or break the page', { timeout: 30_000 }, () => {
  const p = loadWebview('panel');
  const evil = '<img src=x onerror="window.__pwned=1">';
  const evil2 = '</script><script>window.__pwned=2</script><b>bold</b>';
  const s0 = step(0, evil, [{ text: evil, lpBase: -0.1, q: 0.5, chosen: true }, { text: evil2, lpBase: -1, q: 0.2 }]);
  const s1 = step(1, evil2, [{ text: evil2, lpBase: -0.3, q: 0.4, chosen: true }]);
  const tq = result('tqstar', evil + evil2, 0.5, [s0, s1]);
  const other = result('greedy', evil2, 0.1);
  other.error = { kind: 'http', message: evil, url: 'http://x/<svg onload=alert(1)>' };
  p.send({ type: 'showRun', run: run([tq, other], { prompt: evil2 + evil }) });
  p.document.querySelectorAll<HTMLElement>('[data-testid="token"]')[0]!.focus();
  const w = p.window as unknown as { __pwned?: number };
  assert.equal(w.__pwned, undefined);
  assert.equal(p.document.querySelectorAll('img, script, b, svg[onload]').length, 0);
  assert.equal(p.document.querySelector('[data-strategy="tqstar"] [data-testid="output-text"]')!.textContent, evil + evil2);
  assert.equal(p.document.querySelector('[data-strategy="greedy"] [data-testid="output-text"]')!.textContent, evil2);
  assert.match(p.document.querySelector('.prompt-text')!.textContent!, /<\/script><script>/);
  assert.match(p.document.querySelector('[data-testid="candidate-table"]')!.textContent!, /onerror/);
  assert.deepEqual(p.errors, []);
  // The page still works afterwards.
  p.send({ type: 'showRun', run: run([result('bon', 'fine', 1)]) });
  assert.deepEqual(cards(p.document).map((c) => c.dataset.strategy), ['bon']);
});
