// Run history: newest first, bounded in count and size, trimming old diagnostics before dropping runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryStore, boundHistory, summarize, type Memento } from '../../src/extension/history';
import { result, run, tqResult } from '../webview/fixtures';
import type { RunView } from '../../src/webview/protocol';
import { RunConfig } from '../../src/config/schema';

class MapMemento implements Memento {
  readonly map = new Map<string, unknown>();
  get<T>(key: string) { return this.map.get(key) as T | undefined; }
  async update(key: string, value: unknown) { this.map.set(key, JSON.parse(JSON.stringify(value))); }
}

const runN = (i: number): RunView => run([tqResult(i / 10), result('greedy', `g${i}`, 0)], { id: `r${i}`, prompt: `prompt ${i}` });
const chars = (x: unknown) => JSON.stringify(x).length;

test('a summary names the best strategy and its reward', () => {
  const s = summarize(run([result('greedy', 'a', 0.1), result('bon', 'b', 0.8), result('cd', 'c', null)]));
  assert.equal(s.bestStrategy, 'bon');
  assert.equal(s.bestReward, 0.8);
  assert.deepEqual(summarize(run([result('cd', 'c', null)])).bestStrategy, null);
});

test('a summary says which models, reward, α and seed the run used (issue 12, item 13)', () => {
  const config = RunConfig.parse({ base: { baseUrl: 'http://h:1/v1', model: 'sft' }, baseline: { baseUrl: 'http://h:2/v1', model: 'dpo' }, reward: { kind: 'builtin', name: 'length', target: 9 }, decoding: { alpha: 3, strength: 'alpha', seed: 5 } });
  assert.equal(summarize(run([result('bon', 'b', 0.8)], { config })).detail, 'π_base sft · reward builtin length · α 3 · seed 5');
  // With the default scale-free strength the α set is not used: the summary says what is.
  const byKl = RunConfig.parse({ ...config, decoding: { alpha: 3, seed: 5 } });
  assert.equal(summarize(run([result('bon', 'b', 0.8)], { config: byKl })).detail, 'π_base sft · reward builtin length · α per step, from a KL budget of 2 nats/token · seed 5');
  assert.equal(summarize(run([result('bon', 'b', 0.8)])).detail, undefined);
});

test('history keeps the newest runs first and at most maxRuns', async () => {
  const store = new HistoryStore(new MapMemento(), { maxRuns: 3, maxChars: 1e9 });
  for (let i = 0; i < 5; i++) await store.add(runN(i));
  assert.deepEqual(store.list().map((s) => s.id), ['r4', 'r3', 'r2']);
  // Re-adding a run (e.g. its final state after streaming) replaces it rather than duplicating.
  await store.add(runN(3));
  assert.deepEqual(store.list().map((s) => s.id), ['r3', 'r4', 'r2']);
  assert.equal(store.get('r2')?.prompt, 'prompt 2');
  await store.clear();
  assert.deepEqual(store.list(), []);
});

test('over the size bound, old runs lose rollouts, then steps, before any run is dropped; outputs are kept', () => {
  const runs = Array.from({ length: 6 }, (_, i) => runN(5 - i));
  const full = chars(runs);
  const noRollouts = chars(runs.map((r) => ({ ...r, trimmed: true, results: r.results.map((x) => ({ ...x, steps: x.steps.map((s) => ({ ...s, candidates: s.candidates.map((c) => ({ ...c, rollouts: [] })) })) })) })));
  // A bound between "all rollouts stripped" and "full": only some old runs are trimmed.
  const bounded = boundHistory(runs, { maxRuns: 50, maxChars: Math.round((full + noRollouts) / 2) });
  assert.equal(bounded.length, 6);
  assert.ok(chars(bounded) <= (full + noRollouts) / 2);
  assert.equal(bounded[0]!.trimmed, undefined, 'the newest run keeps its diagnostics');
  assert.equal(bounded.at(-1)!.trimmed, true, 'the oldest run is trimmed first');
  assert.equal(bounded.at(-1)!.results[0]!.steps[0]!.candidates[0]!.rollouts.length, 0);
  assert.deepEqual(bounded.map((r) => r.results.map((x) => [x.text, x.reward])), runs.map((r) => r.results.map((x) => [x.text, x.reward])));

  // A bound too small for all outputs: oldest runs go, the result fits.
  const tiny = boundHistory(runs, { maxRuns: 50, maxChars: 3000 });
  assert.ok(tiny.length > 0 && tiny.length < 6);
  assert.ok(chars(tiny) <= 3000);
  assert.deepEqual(tiny.map((r) => r.id), runs.slice(0, tiny.length).map((r) => r.id));
});
