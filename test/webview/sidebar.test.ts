// The history side view, run from its built bundle in jsdom: entries, reopen and clear messages, untrusted prompt text.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadWebview, buildWebview } from './loadWebview';

before(() => buildWebview(), { timeout: 120_000 });

const entry = (id: string, prompt: string, bestReward: number | null) => ({ id, prompt, strategies: ['tqstar', 'greedy'], bestReward, bestStrategy: bestReward === null ? null : 'tqstar', startedAt: 1_700_000_000_000, status: 'done' });

test('lists runs; clicking one asks the host to reopen it; Clear History asks to clear', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  assert.deepEqual(v.posted, [{ type: 'ready' }]);
  assert.match(v.document.body.textContent!, /No runs yet/);
  v.send({ type: 'history', entries: [entry('b', 'second prompt', 0.5), entry('a', 'first prompt', null)] });
  const items = [...v.document.querySelectorAll<HTMLButtonElement>('[data-testid="history-entry"]')];
  assert.equal(items.length, 2);
  assert.match(items[0]!.textContent!, /second prompt.*Transfer Q\* 0\.500.*2 strategies/);
  assert.match(items[1]!.textContent!, /no reward/);
  items[1]!.click();
  [...v.document.querySelectorAll('button')].find((b) => b.textContent === 'Clear History')!.click();
  assert.deepEqual(v.posted.slice(1), [{ type: 'open', id: 'a' }, { type: 'clear' }]);
});

test('prompt excerpts are text, and invalid host messages are ignored', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  v.send({ type: 'history', entries: [entry('x', '<img src=x onerror="window.__pwned=1"></script>', 1)] });
  v.send({ type: 'history', entries: [{ id: 3 }] });
  assert.equal(v.document.querySelectorAll('img, script').length, 0);
  assert.equal((v.window as unknown as { __pwned?: number }).__pwned, undefined);
  assert.match(v.document.querySelector('.excerpt')!.textContent!, /<img src=x/);
});

test('the empty history has no buttons of its own (the Get Started view above has them); entries have status marks and distinct titles', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  const welcome = v.document.querySelector('[data-testid="welcome"]')!;
  assert.equal(welcome.querySelectorAll('button').length, 0);
  assert.match(welcome.textContent!, /No runs yet/);
  v.send({ type: 'history', entries: [{ ...entry('a', 'The movie was\nsecond line', 1), status: 'error' }, { ...entry('b', 'The food was', 0.5), status: 'done' }] });
  assert.equal(v.document.querySelector('[data-testid="welcome"]'), null);
  const marks = [...v.document.querySelectorAll('[data-testid="status-mark"]')].map((m) => m.getAttribute('aria-label'));
  assert.deepEqual(marks, ['failed', 'finished']);
  const titles = [...v.document.querySelectorAll('.excerpt')].map((e) => e.textContent);
  assert.deepEqual(titles, ['The movie was', 'The food was']);
});

test('a prompt excerpt shows bidi controls as visible marks (issue 11, item 14)', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  v.send({ type: 'history', entries: [entry('x', 'invoice\u202Efdp.exe', 1)] });
  assert.equal(v.document.querySelector('.excerpt')!.textContent, 'invoice[U+202E]fdp.exe');
});

test('an evaluation entry is marked as one, names its best point and its points, and opens like a run', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  v.send({ type: 'history', entries: [
    { ...entry('e1', '/home/me/sets/reviews.jsonl', 0.81), kind: 'eval', bestStrategy: 'bon', bestLabel: 'bon bestOfN=32', points: 7, prompts: 101, detail: 'built-in demo · 707/707 answers' },
    entry('r1', 'The food was', 0.5),
  ] });
  const [ev, run] = [...v.document.querySelectorAll<HTMLButtonElement>('[data-testid="history-entry"]')];
  assert.equal(ev!.getAttribute('data-kind'), 'eval');
  assert.equal(ev!.querySelector('[data-testid="kind"]')!.textContent, 'Evaluation');
  // Named by the prompt file (the whole path is in the tooltip), then its best point, points and prompts.
  assert.equal(ev!.querySelector('.excerpt')!.textContent, 'reviews.jsonl');
  assert.match(ev!.textContent!, /best bon bestOfN=32 0\.810 · 7 points · 101 prompts/);
  assert.match(ev!.title, /evaluation panel\nPrompts: \/home\/me\/sets\/reviews\.jsonl/);
  assert.equal(run!.getAttribute('data-kind'), 'run');
  assert.equal(run!.querySelector('[data-testid="kind"]'), null);
  assert.match(run!.textContent!, /2 strategies/);
  ev!.click();
  assert.deepEqual(v.posted.at(-1), { type: 'open', id: 'e1' });
});
