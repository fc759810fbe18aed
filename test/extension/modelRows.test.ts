// The Models side view's rows: what each role is connected to, and the health the last Test Connections found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunConfig } from '../../src/config/schema';
import { modelRows } from '../../src/extension/modelRows';

const config = RunConfig.parse({
  base: { baseUrl: 'http://10.0.0.5:8000/v1', model: 'sft-7b' },
  baseline: { gguf: 'models/tiny/dpo-sentiment.gguf' },
  reward: { kind: 'vllm-pooling', baseUrl: 'http://10.0.0.5:8002', model: 'rm' },
});

test('rows name each role\'s model and where it runs; untested until Test Connections, then ok or the problems', () => {
  const before = modelRows(config, {});
  assert.deepEqual(before.map((r) => [r.label, r.description, r.state]), [
    ['Base π_base', 'sft-7b @ 10.0.0.5:8000', 'untested'],
    ['Baseline ρ_BL', 'dpo-sentiment.gguf (local GGUF)', 'untested'],
    ['Reward r', 'vllm-pooling rm @ 10.0.0.5:8002', 'untested'],
  ]);
  const after = modelRows(config, { base: { ok: true, problems: [], at: 0 }, reward: { ok: false, problems: ['cannot reach http://10.0.0.5:8002/pooling (ECONNREFUSED)'], at: 0 } });
  assert.deepEqual(after.map((r) => r.state), ['ok', 'untested', 'problem']);
  assert.match(after[2]!.tooltip, /ECONNREFUSED/);
  assert.equal(after[0]!.setting, 'tqstar.base.baseUrl');
});

test('settings that do not form a run yet: every row says not configured, with the reason', () => {
  const rows = modelRows({ error: 'tqstar.base is not set' }, {});
  assert.ok(rows.every((r) => r.state === 'unset' && r.description === 'not configured' && r.tooltip === 'tqstar.base is not set'));
});
