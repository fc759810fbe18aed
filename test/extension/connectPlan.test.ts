// Connect Models: the model list from a real server over HTTP (fast on a refused URL), and the settings it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startServer } from '../../src/server';
import { connectionSettings, normaliseUrl, probeModels } from '../../src/extension/connectPlan';

test('probeModels lists what the reference server serves at /v1/models, over HTTP', { timeout: 30_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const r = await probeModels(`${server.url}/v1`);
    assert.ok(r.ok);
    assert.ok(r.models.includes('demo-base') && r.models.includes('demo-aligned'), r.models.join(', '));
  } finally {
    await server.close();
  }
});

test('a refused URL is reported in one attempt, naming the URL', { timeout: 30_000 }, async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  const r = await probeModels(`http://127.0.0.1:${port}/v1`);
  assert.equal(r.ok, false);
  assert.match((r as { message: string }).message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  assert.doesNotMatch((r as { message: string }).message, /gave up after/);
});

test('the settings written: a GGUF file clears the URL and model of its role; a new reward kind clears the old kind\'s fields', () => {
  const s = connectionSettings({
    base: { kind: 'server', baseUrl: 'http://h:8000/v1', model: 'sft' },
    baseline: { kind: 'gguf', path: 'models/dpo.gguf' },
    reward: { kind: 'builtin', fields: { name: 'length', target: 200 } },
  });
  assert.equal(s['tqstar.base.baseUrl'], 'http://h:8000/v1');
  assert.equal(s['tqstar.base.model'], 'sft');
  assert.ok('tqstar.base.gguf' in s && s['tqstar.base.gguf'] === undefined);
  assert.equal(s['tqstar.baseline.gguf'], 'models/dpo.gguf');
  assert.ok('tqstar.baseline.baseUrl' in s && s['tqstar.baseline.baseUrl'] === undefined);
  assert.equal(s['tqstar.reward.kind'], 'builtin');
  assert.equal(s['tqstar.reward.target'], 200);
  assert.ok('tqstar.reward.model' in s && s['tqstar.reward.model'] === undefined);
  // Keeping the reward: no reward key is touched.
  const keep = connectionSettings({ base: { kind: 'gguf', path: 'a.gguf' }, baseline: { kind: 'gguf', path: 'b.gguf' } });
  assert.ok(Object.keys(keep).every((k) => !k.startsWith('tqstar.reward')));
});

test('URLs: http(s) only, no credentials, trailing slashes dropped', () => {
  assert.deepEqual(normaliseUrl(' http://localhost:8000/v1/ '), { ok: true, url: 'http://localhost:8000/v1' });
  assert.equal(normaliseUrl('ftp://x').ok, false);
  assert.equal(normaliseUrl('http://user:pw@h/v1').ok, false);
  assert.equal(normaliseUrl('localhost:8000').ok, false);
});
