// Run history: newest first, bounded in count and size, trimming old diagnostics before dropping runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, HistoryStore, boundEvals, boundHistory, summarize, summarizeEval, type EvalRecord, type Memento } from '../../src/extension/history';
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

// Evaluations beside the runs: what the Run History keeps of each, and how it bounds them.
const evalN = (i: number, answers = 3): EvalRecord => ({
  kind: 'eval', id: `e${i}`, startedAt: 1_000 + i * 10 + 5, status: 'done', source: 'built-in set', prompts: 3, models: 'built-in demo: word-level n-gram pair',
  strategies: ['bon', 'baseline'], answers: { done: 6, total: 6 },
  view: {
    title: `Evaluation ${i}`, notes: [], complete: true, reference: 'baseline', plots: [],
    points: [
      { point: 'b', label: 'baseline', strategy: 'baseline', answers: 3, errors: 0, reward: { mean: 0.4, se: 0.1, n: 3 }, kl: null, exact: null, diversity: null, distinct: null, coherence: null, vsReference: null, judge: null, cost: { modelTokensPerOutputToken: 1, requestsPerAnswer: 1, rewardCallsPerAnswer: 1, rewardInputsPerOutputToken: 1, wallMsPerAnswer: 1, outputTokensPerAnswer: 1 }, frontier: { cost: true, kl: true } },
      { point: 'n', label: 'bon bestOfN=4', strategy: 'bon', answers: 3, errors: 0, reward: { mean: 0.7 + i / 100, se: 0.1, n: 3 }, kl: null, exact: null, diversity: null, distinct: null, coherence: null, vsReference: null, judge: null, cost: { modelTokensPerOutputToken: 4, requestsPerAnswer: 4, rewardCallsPerAnswer: 4, rewardInputsPerOutputToken: 1, wallMsPerAnswer: 1, outputTokensPerAnswer: 1 }, frontier: { cost: true, kl: true } },
    ],
    answers: { b: Array.from({ length: answers }, (_, k) => ({ promptId: `p${k}`, seed: 0, prompt: 'The food was', text: ' fine'.repeat(40), reward: 0.4, kl: null, finish: 'eos' })) },
  },
});

test('evaluations are listed with the runs, newest first, with their best point, prompt set and answers', async () => {
  const store = new HistoryStore(new MapMemento());
  await store.add({ ...runN(1), startedAt: 1_000 });
  await store.add({ ...runN(2), startedAt: 1_030 });
  for (const i of [0, 1]) await store.addEval(evalN(i));
  assert.deepEqual(store.evals().map((e) => e.id), ['e1', 'e0'], 'nothing dropped within the bound');
  // e0 at 1005, e1 at 1015, r1 at 1000, r2 at 1030.
  assert.deepEqual(store.list().map((s) => [s.kind ?? 'run', s.id]), [['run', 'r2'], ['eval', 'e1'], ['eval', 'e0'], ['run', 'r1']]);
  const s = summarizeEval(evalN(1));
  assert.deepEqual([s.bestStrategy, s.bestLabel, s.bestReward, s.points, s.prompt, s.prompts], ['bon', 'bon bestOfN=4', 0.71, 2, 'built-in set', 3]);
  // A long path is named by its end, where the file name is.
  const long = summarizeEval({ ...evalN(1), source: `/${'d/'.repeat(100)}prompts.jsonl` }).prompt;
  assert.equal(long.length, 120);
  assert.ok(long.startsWith('…') && long.endsWith('/d/prompts.jsonl'), long);
  assert.equal(s.detail, 'built-in demo: word-level n-gram pair · 6/6 answers');
  assert.match(summarizeEval({ ...evalN(1), status: 'error', error: 'connection refused', view: null }).detail!, /failed: connection refused/);
  assert.equal(summarizeEval({ ...evalN(1), view: null }).bestStrategy, null);
  assert.equal(store.getEval('e0')?.view?.title, 'Evaluation 0');
  await store.clear();
  assert.deepEqual(store.list(), []);
});

test('over their bound, old evaluations lose their listed answers, then go; the points are kept; the count bound drops the oldest', async () => {
  const evals = Array.from({ length: 5 }, (_, i) => evalN(4 - i, 20));
  const full = chars(evals);
  const oneTrimmed = chars([...evals.slice(0, 4), { ...evals[4]!, trimmed: true, view: { ...evals[4]!.view!, answers: {} } }]);
  const bounded = boundEvals(evals, { maxRuns: 20, maxChars: oneTrimmed });
  assert.ok(full > oneTrimmed);
  assert.equal(bounded.length, 5);
  assert.deepEqual(bounded.map((e) => e.trimmed ?? false), [false, false, false, false, true], 'the oldest loses its answers first');
  assert.deepEqual(bounded.map((e) => e.view!.points), evals.map((e) => e.view!.points));
  assert.ok(chars(bounded) <= oneTrimmed);
  const small = boundEvals(evals, { maxRuns: 20, maxChars: 3000 });
  assert.ok(small.length > 0 && small.length < 5 && chars(small) <= 3000);
  assert.deepEqual(small.map((e) => e.id), evals.slice(0, small.length).map((e) => e.id));

  const store = new HistoryStore(new MapMemento(), DEFAULT_LIMITS, { maxRuns: 2, maxChars: 1e9 });
  for (const i of [0, 1]) await store.addEval(evalN(i));
  await store.addEval(evalN(2));
  assert.deepEqual(store.evals().map((e) => e.id), ['e2', 'e1'], 'the count bound dropped the oldest record, e0');
});

test('a stored evaluation that does not parse (another version, or damaged) is left out, not shown half', async () => {
  const m = new MapMemento();
  await m.update('tqstar.evalHistory.v1', [evalN(1), { kind: 'eval', id: 'bad', view: { points: 'x' } }, null, evalN(0)]);
  const store = new HistoryStore(m);
  assert.deepEqual(store.evals().map((e) => e.id), ['e1', 'e0']);
  await m.update('tqstar.evalHistory.v1', { not: 'a list' });
  assert.deepEqual(store.evals(), []);
});
