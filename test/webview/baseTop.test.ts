// The per-token view measured against the base model's real top-1 (StepDiagnostics.baseTop), with an honest
// "not measured" when a step lacks it; α and the gate shown; ties shown as ties; reward bars on a fixed scale.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadWebview, buildWebview } from './loadWebview';
import { result, run, tqResult, tqResultWithBaseTop } from './fixtures';
import { baseShift, shiftLevel } from '../../src/webview/tokenShift';
import { rewardScale, tiedRanks } from '../../src/webview/runState';

before(() => buildWebview(), { timeout: 120_000 });

const tokens = (d: Document) => [...d.querySelectorAll<HTMLElement>('[data-testid="token"]')];
const cells = (tr: Element) => [...tr.querySelectorAll('td')].map((td) => td.textContent);

test('baseShift measures against the base model\'s real top-1, not the best proposed candidate', () => {
  const [s0, s1] = tqResultWithBaseTop().steps;
  assert.deepEqual(baseShift(s0!), { nats: 0 });
  // −0.05 − (−2.6): the unproposed " the", not " there" (−0.1), is what the choice moved away from.
  assert.ok(Math.abs(baseShift(s1!).nats! - 2.55) < 1e-12);
  // A chosen token that is the top-1 is 0 even with rounding in the log-probabilities.
  const same = { ...s1!, baseTop: { id: s1!.chosen.id, text: ' world', logprobBase: -2.6000001, proposed: true } };
  assert.equal(baseShift(same).nats, 0);
});

test('without a base top-1 the shift is "not measured", never "the base model\'s favourite"', () => {
  const [s0, s1] = tqResult().steps; // no baseTop recorded
  assert.deepEqual(baseShift(s0!), { nats: null, missing: 'noBaseTop', atLeast: 0 });
  const s = baseShift(s1!);
  assert.equal(s.nats, null);
  assert.ok(Math.abs(s.atLeast! - 2.5) < 1e-12, 'the best proposed candidate gives a lower bound only');
  assert.equal(shiftLevel(s.nats), 'unmeasured');
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([tqResult()]) });
  const [hello, world] = tokens(w.document);
  assert.ok(hello!.classList.contains('shift-unmeasured') && world!.classList.contains('shift-unmeasured'));
  assert.ok(!hello!.classList.contains('shift-0'), 'an unmeasured token is not shaded as the favourite');
  assert.match(world!.title, /not measured \(at least 2\.50 nats\)/);
  const legend = w.document.querySelector('[data-testid="legend"]')!;
  assert.match(legend.textContent!, /not measured/);
  assert.doesNotMatch(legend.textContent!, /own top-1 token \(shift < 0\.05/, 'no level claims a favourite when nothing was measured');
  assert.equal(legend.querySelectorAll('li').length, 1);
});

test('the candidate table shows the base model\'s top-1 as a row when it was not proposed, and marks it when it was', () => {
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([tqResultWithBaseTop()]) });
  tokens(w.document)[1]!.focus();
  const table = w.document.querySelector('[data-testid="candidate-table"]')!;
  const row = table.querySelector('[data-testid="base-top-row"]')!;
  assert.deepEqual(cells(row).slice(0, 3), ['" the" ★ base top-1, not proposed', '-0.050', '—']);
  assert.match(table.querySelector('[data-testid="step-facts"]')!.textContent!, /base top-1 " the" \(log π_base -0\.050, not proposed\); shift 2\.55 nats · α 1\.500 · steered/);
  // Every cell names its column, so a narrow panel can show rows as labelled blocks.
  assert.deepEqual([...row.querySelectorAll('td')].map((td) => td.getAttribute('data-label')), ['token', 'log π_base', 'log ρ_BL', 'Q̂ ± SE', 'weight / ESS', 'score', 'P(select)', 'chosen']);
  tokens(w.document)[0]!.focus();
  const t0 = w.document.querySelector('[data-testid="candidate-table"]')!;
  assert.equal(t0.querySelector('[data-testid="base-top-row"]'), null, 'proposed: no extra row');
  assert.match(t0.querySelector('tbody tr')!.textContent!, /★ base top-1/);
  // Rollouts begin with their candidate token.
  assert.equal(t0.querySelector('table.rollouts td.rollout')!.textContent, 'HelloHello and more');
});

test('α used and steps the gate left unsteered are shown', () => {
  const r = tqResultWithBaseTop();
  r.steps[1] = { ...r.steps[1]!, steered: false, alpha: 0.75 };
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([r]) });
  assert.equal(w.document.querySelector('[data-testid="alpha-used"]')!.textContent, 'α used: 0.750 to 1.500 (varies by step).');
  assert.match(w.document.querySelector('[data-testid="unsteered"]')!.textContent!, /^1 of 2 steps were not steered/);
  const world = tokens(w.document)[1]!;
  assert.ok(world.classList.contains('unsteered'));
  assert.match(world.title, /α 0\.750; not steered/);
});

test('equal rewards are a tie: shared rank, no silent tie-break, named in each card', () => {
  const a = result('tqstar', 'same text', 0.462);
  const b = result('args', 'same text', 0.462);
  const c = result('greedy', 'other', 0.3);
  const ranks = tiedRanks([a, b, c]);
  assert.deepEqual([ranks.get(a)!.rank, ranks.get(b)!.rank, ranks.get(c)!.rank], [0, 0, 2]);
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([a, b, c]) });
  const heads = [...w.document.querySelectorAll('[data-testid="result-card"] h2')].map((e) => e.textContent);
  assert.deepEqual(heads, ['1=. Transfer Q*', '1=. ARGS', '3. Greedy (base)']);
  const ties = [...w.document.querySelectorAll('[data-testid="tie"]')].map((e) => e.textContent);
  assert.deepEqual(ties, ['Tied with ARGS: the same reward, the same text.', 'Tied with Transfer Q*: the same reward, the same text.']);
  // Both tied cards are best: neither is preferred by the order.
  assert.equal(w.document.querySelectorAll('.card.best').length, 2);
});

test('reward bars use a fixed scale: the same reward fills the same fraction in every run', () => {
  assert.equal(rewardScale([0.2, 0.462]).frac(0.462), 0.462);
  assert.equal(rewardScale([0.45, 0.462, 0.9]).frac(0.462), 0.462);
  const logistic = rewardScale([-3, 2.5]);
  assert.equal(logistic.kind, 'logistic');
  assert.equal(logistic.frac(0), 0.5);
  const fill = (runResults: ReturnType<typeof result>[]) => {
    const w = loadWebview('panel');
    w.send({ type: 'showRun', run: run(runResults) });
    return w.document.querySelector<HTMLElement>('[data-strategy="greedy"] .bar .fill')!.style.getPropertyValue('--w');
  };
  // Before, 0.462 was a sliver (lowest of its run) in one run and a full bar (highest) in the next.
  assert.equal(fill([result('greedy', 'g', 0.462), result('tqstar', 't', 0.9)]), '0.462');
  assert.equal(fill([result('greedy', 'g', 0.462), result('tqstar', 't', 0.1)]), '0.462');
});

test('a failed strategy\'s error shows once: in the run\'s error box, with a pointer on its card', () => {
  const failed = { ...result('args', 'partial', null), finish: 'error' as const, error: { kind: 'connection', message: 'cannot reach http://127.0.0.1:9/v1 (ECONNREFUSED)', setting: 'tqstar.base.baseUrl' } };
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([result('greedy', 'ok', 0.2), failed], { status: 'error', error: { ...failed.error, message: `ARGS: ${failed.error.message}` } }) });
  const errors = [...w.document.querySelectorAll('[data-testid="error"]')].map((e) => e.textContent);
  assert.equal(errors.length, 1, errors.join(' | '));
  assert.match(errors[0]!, /^ARGS: cannot reach/);
  assert.equal(w.document.querySelector('[data-strategy="args"] [data-testid="failed-note"]')!.textContent, 'Failed: see the error above.');
});

test('"done" reports the whole wait, with the decoding time beside it (item 5)', () => {
  const w = loadWebview('panel');
  w.send({ type: 'showRun', run: run([result('greedy', 'ok', 0.2), result('bon', 'ok', 0.3)], { startedAt: 1_000_000, finishedAt: 1_016_600, stats: { requests: 4, modelTokens: 10, wallMs: 8_600 } }) });
  assert.equal(w.document.querySelector('[data-testid="run-status"]')!.textContent, 'done — 2 strategies in 16.6 s (8.6 s decoding)');
});
