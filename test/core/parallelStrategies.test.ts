// runStrategies side by side: the same results as one after another, bounded concurrency, events attributable, cancel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStrategies, type DecodeEvent, type RunResult, type StrategyName } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { directEnv, params } from './tabularEnv';
import { tabularOverHttp } from './tabularHttp';

const suite = tabularSuite({ maxLength: 6 });
const ALL: StrategyName[] = ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'greedy', 'sample', 'baseline'];
const P = params({ topK: 4, rollouts: 3, selection: 'sample', seed: 11, maxTokens: 8 });

/** What a run decided, per strategy (timings left out: they are the only thing allowed to differ). */
const decided = (r: RunResult) =>
  Object.fromEntries(r.results.map((x) => [x.strategy, { text: x.text, tokens: x.tokens, reward: x.reward, finish: x.finish, candidates: x.steps.map((s) => s.candidates), requests: x.stats.requests }]));

test('side by side decides exactly what one-after-another decides, for every strategy', async () => {
  const inTurn = await runStrategies(ALL, { text: '' }, directEnv(suite), P, { concurrency: 1 });
  const together = await runStrategies(ALL, { text: '' }, directEnv(suite), P);
  assert.deepEqual(decided(together), decided(inTurn));
  assert.deepEqual(together.results.map((r) => r.strategy), inTurn.results.map((r) => r.strategy), 'same ranking, ties in the order asked for');
});

test('concurrency bounds how many strategies decode at once, and the streams interleave yet stay attributable', async () => {
  for (const limit of [1, 3, 8]) {
    let active = 0;
    let peak = 0;
    const events: DecodeEvent[] = [];
    const r = await runStrategies(ALL, { text: '' }, directEnv(suite), P, {
      concurrency: limit,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'start') peak = Math.max(peak, ++active);
        if (e.type === 'end') active--;
      },
    });
    assert.equal(peak, limit, `limit ${limit}: peak ${peak}`);
    for (const x of r.results) {
      const steps = events.filter((e) => e.type === 'step' && e.strategy === x.strategy).map((e) => (e as Extract<DecodeEvent, { type: 'step' }>).step);
      assert.deepEqual(steps, x.steps, `${x.strategy}: its step events are its own steps`);
      assert.equal(events.filter((e) => e.type === 'end' && e.strategy === x.strategy).length, 1);
    }
    if (limit > 1) {
      const order = events.filter((e) => e.type === 'step').map((e) => e.strategy);
      const switches = order.filter((s, i) => i > 0 && s !== order[i - 1]).length;
      assert.ok(switches > ALL.length, `limit ${limit}: step events of different strategies interleave (${switches} switches)`);
    }
  }
});

test('a cancel stops strategies from starting; those running end as aborted', async () => {
  const ctl = new AbortController();
  const r = await runStrategies(ALL, { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 2, maxTokens: 6 }), {
    signal: ctl.signal,
    concurrency: 2,
    onEvent: (e) => e.type === 'step' && e.strategy === 'tqstar' && ctl.abort(),
  });
  assert.ok(r.results.length >= 1 && r.results.length < ALL.length, `${r.results.length} results`);
  assert.equal(r.results.find((x) => x.strategy === 'tqstar')?.finish, 'aborted');
});

const http = tabularOverHttp();

test('over HTTP (reference server, seeded sampling): side by side decides what one-after-another decides', { timeout: 60_000 }, async () => {
  const inTurn = await runStrategies(ALL, { text: '' }, http.env(), P, { concurrency: 1 });
  const together = await runStrategies(ALL, { text: '' }, http.env(), P);
  for (const x of together.results) assert.ok(!x.error, `${x.strategy}: ${x.error?.message}`);
  // Over HTTP a strategy's count includes the token-text look-ups (/detokenize) it was first to need: the
  // text cache is shared by the run, so which strategy pays for a look-up depends on the interleaving.
  const choices = (r: RunResult) => Object.fromEntries(Object.entries(decided(r)).map(([k, { requests: _requests, ...rest }]) => [k, rest]));
  assert.deepEqual(choices(together), choices(inTurn));
});
