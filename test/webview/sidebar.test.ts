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

test('the empty view welcomes with buttons that run only the listed commands; they go once there are runs', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  const welcome = v.document.querySelector('[data-testid="welcome"]')!;
  const labels = [...welcome.querySelectorAll('button')].map((b) => b.textContent);
  assert.deepEqual(labels, ['Try the Demo', 'Open Settings', 'Get Started Walkthrough', 'Generate from Prompt…']);
  for (const b of welcome.querySelectorAll('button')) (b as HTMLButtonElement).click();
  assert.deepEqual(v.posted.slice(1), [
    { type: 'command', command: 'tqstar.tryDemo' },
    { type: 'command', command: 'tqstar.openSettings' },
    { type: 'command', command: 'tqstar.openWalkthrough' },
    { type: 'command', command: 'tqstar.generateFromPrompt' },
  ]);
  v.send({ type: 'history', entries: [entry('a', 'p', 1)] });
  assert.equal(v.document.querySelector('[data-testid="welcome"]'), null);
});

test('a prompt excerpt shows bidi controls as visible marks (issue 11, item 14)', { timeout: 30_000 }, () => {
  const v = loadWebview('sidebar');
  v.send({ type: 'history', entries: [entry('x', 'invoice\u202Efdp.exe', 1)] });
  assert.equal(v.document.querySelector('.excerpt')!.textContent, 'invoice[U+202E]fdp.exe');
});
