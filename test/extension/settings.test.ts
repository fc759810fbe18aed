// Settings → RunConfig: valid settings parse to the schema's defaults; an invalid value names the exact setting and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfigFromSettings, settingForError } from '../../src/extension/settings';
import { TqError } from '../../src/core/errors';

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
  assert.equal(runConfigFromSettings(from({ decoding: {} })).decoding.horizon, 20);
  assert.equal(runConfigFromSettings(from({ decoding: undefined })).decoding.rollouts, 4);
});

test('a missing required setting names it and points to the demo', () => {
  const e = configError(() => runConfigFromSettings(from({ base: {} })));
  assert.equal(e.setting, 'tqstar.base');
  assert.match(e.message, /^tqstar\.base is not set/);
  assert.match(e.message, /Try the Demo/);
});

test('an invalid nested value names the full key path and the top-level setting', () => {
  const e = configError(() => runConfigFromSettings(from({ decoding: { topK: 1000 } })));
  assert.equal(e.setting, 'tqstar.decoding');
  assert.match(e.message, /^tqstar\.decoding\.topK: /);
  const u = configError(() => runConfigFromSettings(from({ baseline: { baseUrl: 'localhost:8001', model: 'dpo' } })));
  assert.equal(u.setting, 'tqstar.baseline');
  assert.match(u.message, /^tqstar\.baseline\.baseUrl: /);
  assert.match(u.message, /http\(s\) URL/);
  const k = configError(() => runConfigFromSettings(from({ decoding: { topk: 3 } })));
  assert.match(k.message, /^tqstar\.decoding: .*topk/);
  const s = configError(() => runConfigFromSettings(from({ strategies: ['tqstar', 'beam'] })));
  assert.match(s.message, /^tqstar\.strategies\.1: /);
});

test('errors from other layers map onto the setting to open', () => {
  assert.equal(settingForError('base.baseUrl'), 'tqstar.base');
  assert.equal(settingForError('tqstar.reward'), 'tqstar.reward');
  assert.equal(settingForError('decoding.topK'), 'tqstar.decoding');
  assert.equal(settingForError('somethingElse'), undefined);
  assert.equal(settingForError(undefined), undefined);
});
