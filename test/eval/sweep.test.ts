// --sweep parsing, crossing, and points deduplicated by the settings each strategy reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRunConfig } from '../../src/backends/index';
import { BUILTIN_PROMPTS, parsePromptSet } from '../../src/eval/prompts';
import { planEval } from '../../src/eval/runner';
import { crossSweeps, parseSweep } from '../../src/eval/sweep';
import { demoRunConfig } from '../../src/server/demoConfig';

test('parseSweep: aliases, numbers and booleans, nested keys; bad keys and values are refused by the schema', () => {
  assert.deepEqual(parseSweep('alpha=1,4,8'), { key: 'alpha', values: [1, 4, 8] });
  assert.deepEqual(parseSweep('N=2,4'), { key: 'rollouts', values: [2, 4] });
  assert.deepEqual(parseSweep('bon=1,16'), { key: 'bestOfN', values: [1, 16] });
  assert.deepEqual(parseSweep('speed.reuseRollouts=true,false'), { key: 'speed.reuseRollouts', values: [true, false] });
  assert.deepEqual(parseSweep('selection=greedy,sample'), { key: 'selection', values: ['greedy', 'sample'] });
  assert.throws(() => parseSweep('nonsense=1'), /nonsense/);
  assert.throws(() => parseSweep('topK=0'), /topK/);
  assert.throws(() => parseSweep('alpha'), /KEY=v1/);
  assert.deepEqual(parseSweep('bon:bon=4,16'), { key: 'bestOfN', values: [4, 16], strategy: 'bon' });
  assert.throws(() => parseSweep('moon:alpha=1'), /unknown strategy "moon"/);
  assert.throws(() => parseSweep('bon:alpha=1'), /bon does not read alpha/);
});

test('planEval: a scoped sweep crosses only with its own strategy', () => {
  const config = loadRunConfig(demoRunConfig('http://127.0.0.1:1'));
  const sweeps = ['tqstar:alpha=2,8', 'tqstar:N=1,4', 'cd:alpha=4,16', 'bon:bon=2,4,8'].map((s) => parseSweep(s, config.decoding));
  const plan = planEval({ config, strategies: ['tqstar', 'cd', 'bon'], sweeps, prompts: BUILTIN_PROMPTS.slice(0, 1), seeds: [0], reference: 'bon' });
  assert.deepEqual(plan.points.map((p) => p.label), [
    'tqstar alpha=2 rollouts=1', 'tqstar alpha=2 rollouts=4', 'tqstar alpha=8 rollouts=1', 'tqstar alpha=8 rollouts=4',
    'cd alpha=4', 'cd alpha=16', 'bon bestOfN=2', 'bon bestOfN=4', 'bon bestOfN=8',
  ]);
});

test('planEval: speculation keys sweep (speed.speculate × speed.speculateDepth); a point at their defaults keeps the identity it had before they existed', () => {
  const config = loadRunConfig(demoRunConfig('http://127.0.0.1:1'));
  const sweeps = ['tqstar:speed.speculate=0,2', 'tqstar:speed.speculateDepth=1,2'].map((s) => parseSweep(s, config.decoding));
  const plan = planEval({ config, strategies: ['tqstar'], sweeps, prompts: BUILTIN_PROMPTS.slice(0, 1), seeds: [0], reference: 'tqstar' });
  assert.deepEqual(plan.points.map((p) => p.label), [
    'tqstar speed.speculate=0 speed.speculateDepth=1', 'tqstar speed.speculate=0 speed.speculateDepth=2', 'tqstar speed.speculate=2 speed.speculateDepth=1', 'tqstar speed.speculate=2 speed.speculateDepth=2',
  ]);
  assert.deepEqual(plan.points.map((p) => [p.params.speed.speculate, p.params.speed.speculateDepth]), [[0, 1], [0, 2], [2, 1], [2, 2]]);
  const plain = planEval({ config, strategies: ['tqstar'], sweeps: [], prompts: BUILTIN_PROMPTS.slice(0, 1), seeds: [0], reference: 'tqstar' });
  assert.equal(plan.points[0]!.key, plain.points[0]!.key, 'the default point resumes answers from before the speculation keys');
  assert.equal(new Set(plan.points.map((p) => p.key)).size, 4);
});

test('crossSweeps: every combination', () => {
  const g = crossSweeps([parseSweep('k=2,4'), parseSweep('H=3,5,7')]);
  assert.equal(g.length, 6);
  assert.deepEqual(g[0], { topK: 2, horizon: 3 });
  assert.deepEqual(g[5], { topK: 4, horizon: 7 });
  assert.deepEqual(crossSweeps([]), [{}]);
});

test('planEval: a sweep re-runs only the strategies that read the key; items are points × prompts × seeds', () => {
  const config = loadRunConfig(demoRunConfig('http://127.0.0.1:1'));
  const plan = planEval({
    config,
    strategies: ['tqstar', 'bon', 'softbon', 'baseline'],
    sweeps: [parseSweep('bon=4,16', config.decoding), parseSweep('alpha=2,8', config.decoding)],
    prompts: BUILTIN_PROMPTS.slice(0, 3),
    seeds: [0, 1],
    reference: 'baseline',
  });
  assert.deepEqual(plan.points.map((p) => p.label), ['tqstar alpha=2', 'tqstar alpha=8', 'bon bestOfN=4', 'bon bestOfN=16', 'softbon bestOfN=4', 'softbon bestOfN=16', 'baseline']);
  assert.equal(plan.items.length, 7 * 3 * 2);
  assert.equal(new Set(plan.items.map((i) => i.key)).size, plan.items.length);
  assert.equal(plan.reference!.label, 'baseline');
  // Decoder seeds: independent across prompts (the core's request seeds ignore the prompt), shared across points (paired comparisons).
  const seedsOf = (point: string, seed: number) => plan.items.filter((i) => i.point.key === point && i.seed === seed).map((i) => i.decodeSeed);
  const [p0, p1] = [plan.points[0]!.key, plan.points[6]!.key];
  assert.equal(new Set(seedsOf(p0, 0)).size, 3, 'three prompts, three decoder seeds');
  assert.deepEqual(seedsOf(p0, 0), seedsOf(p1, 0));
  assert.notDeepEqual(seedsOf(p0, 0), seedsOf(p0, 1));
  // Another server (config fingerprint) gives other item keys: results of one setup never stand in for another's.
  const other = planEval({ config: loadRunConfig(demoRunConfig('http://127.0.0.1:2')), strategies: ['baseline'], sweeps: [], prompts: BUILTIN_PROMPTS.slice(0, 1), seeds: [0], reference: 'baseline' });
  assert.ok(!plan.items.some((i) => i.key === other.items[0]!.key));
});

test('prompt sets: ~100 built-in prompts with unique ids; JSONL with ids; plain text by line; bad files refused', () => {
  assert.ok(BUILTIN_PROMPTS.length >= 95 && BUILTIN_PROMPTS.length <= 110);
  assert.equal(new Set(BUILTIN_PROMPTS.map((p) => p.id)).size, BUILTIN_PROMPTS.length);
  assert.deepEqual(parsePromptSet('{"prompt":"Hi","id":7}\n\n{"prompt":"There"}\n'), [{ id: '7', text: 'Hi' }, { id: 'line-3', text: 'There' }]);
  assert.deepEqual(parsePromptSet('one\ntwo\n'), [{ id: 'line-1', text: 'one' }, { id: 'line-2', text: 'two' }]);
  assert.throws(() => parsePromptSet('{"text":"x"}'), /"prompt"/);
  assert.throws(() => parsePromptSet('{"prompt":"a","id":1}\n{"prompt":"b","id":1}'), /twice/);
  assert.throws(() => parsePromptSet('\n\n'), /no prompts/);
});
