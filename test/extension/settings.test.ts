// Settings → RunConfig: valid settings parse to the schema's defaults; an invalid value names the exact setting and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfigFromSettings, settingForError } from '../../src/extension/settings';
import { TqError } from '../../src/core/errors';
import { flatSettings } from '../../src/extension/settingsSchema';
import { valueTree, valueAt } from './fakeVscode';

const good: Record<string, unknown> = {
  base: { baseUrl: 'http://localhost:8000/v1', model: 'sft' },
  baseline: { baseUrl: 'http://localhost:8001/v1', model: 'dpo' },
  reward: { kind: 'builtin', name: 'sentiment' },
  baselineReward: {},
  decoding: { topK: 5 },
  strategies: ['tqstar', 'greedy'],
};
const from = (over: Record<string, unknown>) => (k: string) => ({ ...good, ...over })[k];

function configError(f: () => unknown): TqError {
  try { f(); } catch (e) { assert.ok(e instanceof TqError); assert.equal(e.kind, 'config'); return e; }
  assert.fail('expected a config error');
}

test('valid settings become a RunConfig with the schema defaults filled in; an empty baselineReward means unset', () => {
  const c = runConfigFromSettings(from({}));
  assert.equal(c.decoding.topK, 5);
  assert.equal(c.decoding.alpha, 1);
  assert.equal(c.base.dialect, 'auto');
  assert.equal(c.baselineReward, undefined);
  assert.deepEqual(c.strategies, ['tqstar', 'greedy']);
});

test('unset decoding (VS Code reports {}) gives every default', () => {
  assert.equal(runConfigFromSettings(from({ decoding: {} })).decoding.horizon, 5);
  assert.equal(runConfigFromSettings(from({ decoding: undefined })).decoding.rollouts, 1);
});

test('a missing required setting names it and points to the demo', () => {
  const e = configError(() => runConfigFromSettings(from({ base: {} })));
  assert.equal(e.setting, 'tqstar.base.baseUrl');
  assert.match(e.message, /^tqstar\.base is not set/);
  assert.match(e.message, /Try the Demo/);
});

test('an invalid nested value names the full key path and the top-level setting', () => {
  const e = configError(() => runConfigFromSettings(from({ decoding: { topK: 1000 } })));
  assert.equal(e.setting, 'tqstar.decoding.topK');
  assert.match(e.message, /^tqstar\.decoding\.topK: /);
  const u = configError(() => runConfigFromSettings(from({ baseline: { baseUrl: 'localhost:8001', model: 'dpo' } })));
  assert.equal(u.setting, 'tqstar.baseline.baseUrl');
  assert.match(u.message, /^tqstar\.baseline\.baseUrl: /);
  assert.match(u.message, /http\(s\) URL/);
  const k = configError(() => runConfigFromSettings(from({ decoding: { topk: 3 } })));
  assert.match(k.message, /^tqstar\.decoding: .*topk/);
  const s = configError(() => runConfigFromSettings(from({ strategies: ['tqstar', 'beam'] })));
  assert.match(s.message, /^tqstar\.strategies\.1: /);
});

test('errors from other layers map onto the most precise setting to open', () => {
  assert.equal(settingForError('base.baseUrl'), 'tqstar.base.baseUrl');
  assert.equal(settingForError('tqstar.base.model'), 'tqstar.base.model');
  assert.equal(settingForError('base.baseUrl.1'), 'tqstar.base.baseUrl');
  assert.equal(settingForError('tqstar.reward'), 'tqstar.reward');
  assert.equal(settingForError('decoding.topK'), 'tqstar.decoding.topK');
  assert.equal(settingForError('tqstar.decoding.budget.maxRequests'), 'tqstar.decoding.budget.maxRequests');
  // requestTemplate has no typed form: the JSON object setting is the one to open.
  assert.equal(settingForError('tqstar.reward.requestTemplate'), 'tqstar.reward');
  assert.equal(settingForError('somethingElse'), undefined);
  assert.equal(settingForError(undefined), undefined);
});

/** Reads like Config does in VS Code, from a settings.json given as its keys in file order. */
const fromJson = (json: Record<string, unknown>) => { const tree = valueTree(json); return (k: string) => valueAt(tree, `tqstar.${k}`); };
const demoFlat = {
  'tqstar.base.baseUrl': 'http://localhost:8000/v1', 'tqstar.base.model': 'sft',
  'tqstar.baseline.baseUrl': 'http://localhost:8001/v1', 'tqstar.baseline.model': 'dpo',
  'tqstar.reward.kind': 'builtin', 'tqstar.reward.name': 'sentiment',
};

test('typed flat settings alone make a RunConfig; nested ones (budget, speed) land in their objects', () => {
  const c = runConfigFromSettings(fromJson({ ...demoFlat, 'tqstar.decoding.topK': 3, 'tqstar.decoding.budget.maxRequests': 99, 'tqstar.base.dialect': 'vllm' }));
  assert.equal(c.base.baseUrl, 'http://localhost:8000/v1');
  assert.equal(c.base.dialect, 'vllm');
  assert.equal(c.baseline.model, 'dpo');
  assert.deepEqual(c.reward, { kind: 'builtin', name: 'sentiment' });
  assert.equal(c.decoding.topK, 3);
  assert.equal(c.decoding.budget.maxRequests, 99);
  assert.equal(c.decoding.budget.maxModelTokens, 2_000_000);
});

test('object and flat settings are read together, and the flat one wins a field both give', () => {
  // Flat after the object (the order the Settings UI writes in): VS Code merges them into one tree.
  const c = runConfigFromSettings(fromJson({ ...demoFlat, 'tqstar.decoding': { topK: 7, alpha: 2 }, 'tqstar.decoding.topK': 4 }));
  assert.equal(c.decoding.topK, 4);
  assert.equal(c.decoding.alpha, 2);
  // Read separately (another scope, or the object after the flat key in the file): the flat one still wins.
  const d = runConfigFromSettings((k) => ({ ...good, 'decoding.topK': 4 } as Record<string, unknown>)[k]);
  assert.equal(d.decoding.topK, 4);
});

test('"" and null, what the Settings UI leaves in an unset string or number, mean not set', () => {
  const c = runConfigFromSettings(fromJson({ ...demoFlat, 'tqstar.base.apiKeyEnv': '', 'tqstar.base.eosTokenId': null }));
  assert.equal(c.base.apiKeyEnv, undefined);
  assert.equal(c.base.eosTokenId, undefined);
});

test('changing the reward kind in the Settings UI drops the fields of the old kind instead of failing', () => {
  const c = runConfigFromSettings(fromJson({ ...demoFlat, 'tqstar.reward.pattern': 'good', 'tqstar.reward.kind': 'vllm-pooling', 'tqstar.reward.baseUrl': 'http://localhost:8002', 'tqstar.reward.model': 'rm' }));
  assert.deepEqual(c.reward, { kind: 'vllm-pooling', baseUrl: 'http://localhost:8002', model: 'rm' });
  // A JSON reward of another kind is set aside when the typed kind differs.
  const d = runConfigFromSettings((k) => ({ ...good, reward: { kind: 'http-json', baseUrl: 'http://x/score', responsePath: 's', requestTemplate: {} }, 'reward.kind': 'builtin', 'reward.name': 'length', 'reward.target': 10 } as Record<string, unknown>)[k]);
  assert.deepEqual(d.reward, { kind: 'builtin', name: 'length', target: 10 });
  // Fields only the JSON form has (a request template) still come from the object of the same kind.
  const e = runConfigFromSettings((k) => ({ ...good, reward: { kind: 'http-json', baseUrl: 'http://x/score', responsePath: 's', requestTemplate: { q: '{text}' } }, 'reward.responsePath': 'data.0' } as Record<string, unknown>)[k]);
  assert.equal(e.reward.kind, 'http-json');
  assert.deepEqual((e.reward as { requestTemplate: unknown }).requestTemplate, { q: '{text}' });
  assert.equal((e.reward as { responsePath: string }).responsePath, 'data.0');
});

test('an invalid flat value names that flat setting', () => {
  const e = configError(() => runConfigFromSettings(fromJson({ ...demoFlat, 'tqstar.decoding.horizon': 0 })));
  assert.equal(e.setting, 'tqstar.decoding.horizon');
  assert.match(e.message, /^tqstar\.decoding\.horizon: /);
});

test('every scalar field of the schema has a flat setting (derived, so a new field such as a gguf path needs no hand list)', () => {
  const ids = flatSettings().map((f) => f.id);
  for (const id of ['tqstar.base.baseUrl', 'tqstar.base.model', 'tqstar.base.dialect', 'tqstar.base.timeoutMs', 'tqstar.baseline.promptTemplate', 'tqstar.reward.kind', 'tqstar.reward.name', 'tqstar.reward.baseUrl', 'tqstar.decoding.topK', 'tqstar.decoding.alpha', 'tqstar.decoding.horizon', 'tqstar.decoding.rollouts', 'tqstar.decoding.maxTokens', 'tqstar.decoding.transfer', 'tqstar.decoding.proposer', 'tqstar.decoding.selection', 'tqstar.decoding.stop', 'tqstar.decoding.speed.skipMass', 'tqstar.baselineReward.kind']) assert.ok(ids.includes(id), id);
  // No typed form for free JSON or lists of objects: those stay in the object settings.
  assert.ok(!ids.includes('tqstar.reward.requestTemplate'));
  assert.ok(!ids.includes('tqstar.reward.terms'));
  assert.equal(new Set(ids).size, ids.length);
});
