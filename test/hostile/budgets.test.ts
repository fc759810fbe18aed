// Issue 11, defect 15: budgets are checked before a request is sent, so a run never spends past maxModelTokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { decode, type StrategyName } from '../../src/core/index';
import { tabularSuite } from '../../src/models/inProcess';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';
import { directEnv, params } from '../core/tabularEnv';

const suite = tabularSuite();

test('defect 15: Best-of-256 under maxModelTokens 1000 is refused before it samples, and says what it needed', async () => {
  const r = await decode('bon', { text: '' }, directEnv(suite), params({ bestOfN: 256, maxTokens: 8, budget: { maxModelTokens: 1000 } }));
  assert.equal(r.error?.kind, 'budget');
  assert.equal(r.error?.setting, 'tqstar.decoding.budget.maxModelTokens');
  assert.match(r.error!.message, /up to 2304 model tokens/);
  assert.ok(r.stats.modelTokens <= 1000, `spent ${r.stats.modelTokens}`);
});

for (const strategy of ['tqstar', 'cd', 'args', 'blockwise', 'bon', 'greedy'] as StrategyName[]) {
  test(`defect 15: ${strategy} never spends more model tokens than maxModelTokens (tabular models)`, async () => {
    for (const max of [7, 40, 150, 600]) {
      const r = await decode(strategy, { text: '' }, directEnv(suite), params({ topK: 4, rollouts: 4, horizon: 6, bestOfN: 16, budget: { maxModelTokens: max } }));
      assert.ok(r.stats.modelTokens <= max, `${strategy} at maxModelTokens ${max} spent ${r.stats.modelTokens}`);
      if (r.error) assert.equal(r.error.kind, 'budget', r.error.message);
    }
  });
}

test('defect 15: over HTTP (the reference server), TQ* under maxModelTokens 1000 stops within it with a budget error', { timeout: 60_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const cfg = loadRunConfig({ ...demoRunConfig(server.url), decoding: { topK: 8, rollouts: 4, horizon: 12, maxTokens: 24, budget: { maxModelTokens: 1000 } } });
    const { env } = await buildEnv(cfg);
    const r = await decode('tqstar', { text: 'The food was' }, env, cfg.decoding);
    assert.ok(r.stats.modelTokens <= 1000, `spent ${r.stats.modelTokens}`);
    assert.equal(r.error?.kind, 'budget');
  } finally {
    await server.close();
  }
});
