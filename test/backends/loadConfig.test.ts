// loadRunConfig: a valid file gives defaults; an invalid one names the exact key path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRunConfig } from '../../src/backends/index';
import { TqError } from '../../src/core/errors';

const ok = {
  base: { baseUrl: 'http://gpu:8000/v1', model: 'base' },
  baseline: { baseUrl: 'http://gpu:8001/v1', model: 'dpo' },
  reward: { kind: 'vllm-pooling', baseUrl: 'http://gpu:8002', model: 'rm' },
};

function configError(json: unknown): TqError {
  try {
    loadRunConfig(json);
  } catch (e) {
    assert.ok(e instanceof TqError && e.kind === 'config', String(e));
    return e;
  }
  assert.fail('expected a config error');
}

test('a minimal config gets the schema defaults', () => {
  const c = loadRunConfig(ok);
  assert.equal(c.decoding.topK, 3);
  assert.equal(c.base.dialect, 'auto');
  assert.deepEqual(c.strategies, ['tqstar', 'args', 'cd', 'bon', 'baseline', 'greedy']);
});

test('errors name the exact key path and what is wrong', () => {
  const e1 = configError({ ...ok, decoding: { topK: 500 } });
  assert.equal(e1.message, 'decoding.topK: must be ≤ 100');
  assert.equal(e1.setting, 'tqstar.decoding.topK');
  assert.match(configError({ ...ok, decoding: { topk: 5 } }).message, /^decoding\.topk: unknown key/);
  assert.match(configError({ ...ok, base: { ...ok.base, dialect: 'vlm' } }).message, /^base\.dialect: must be one of "auto", "vllm"/);
  assert.match(configError({ ...ok, base: { baseUrl: 'gpu:8000', model: 'm' } }).message, /^base\.baseUrl: must be an http\(s\) URL/);
  assert.match(configError({ ...ok, reward: { kind: 'sum', terms: [{ kind: 'builtin', name: 'sentimnt' }] } }).message, /^reward\.terms\[0\]\.name: must be one of/);
  assert.match(configError({ ...ok, baseline: { baseUrl: 'http://x/v1' } }).message, /^baseline\.model: is required/);
  assert.match(configError({ ...ok, reward: { kind: 'pooling', baseUrl: 'http://x' } }).message, /^reward\.kind: must be one of "vllm-pooling"/);
  assert.match(configError({ ...ok, decoding: { rollouts: 'four' } }).message, /^decoding\.rollouts: must be a number/);
});
