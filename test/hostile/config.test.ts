// Issue 11, defect 16: configurations that used to fail at run time (stack overflow, a denormal temperature) are refused when loaded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRunConfig, makeReward } from '../../src/backends/index';
import { TqError } from '../../src/core/errors';
import { demoRunConfig } from '../../src/server/demoConfig';
import { hostileServer } from './hostileServer';

const cfg = demoRunConfig('http://127.0.0.1:9');
const configError = (key: RegExp) => (e: unknown) => e instanceof TqError && e.kind === 'config' && key.test(e.message);

function nested(depth: number): unknown {
  let x: unknown = '{text}';
  for (let i = 0; i < depth; i++) x = { a: x };
  return x;
}

test('defect 16: a 100,000-deep requestTemplate is a config error naming the key, not a stack overflow at run time', () => {
  // Built as text: JSON.parse nests that deep, a recursive walk does not.
  const deep = JSON.parse(`${'{"a":'.repeat(100_000)}"{text}"${'}'.repeat(100_000)}`) as unknown;
  assert.throws(
    () => loadRunConfig({ ...cfg, reward: { kind: 'http-json', baseUrl: 'http://127.0.0.1:9/score', requestTemplate: deep, responsePath: 's' } }),
    configError(/reward\.requestTemplate: .*32 levels/),
  );
});

test('defect 16: a requestTemplate within the depth limit still round-trips over HTTP', { timeout: 10_000 }, async () => {
  const server = await hostileServer((r) => {
    let x = r.body as Record<string, unknown>;
    while (typeof x === 'object' && x && 'a' in x) x = x.a as Record<string, unknown>;
    return { json: { s: (x as unknown as string).length } };
  });
  try {
    const c = loadRunConfig({ ...cfg, reward: { kind: 'http-json', baseUrl: `${server.url}/score`, requestTemplate: nested(31), responsePath: 's' } });
    assert.deepEqual(await makeReward(c.reward, { role: 'reward' }).score([{ prompt: 'p', response: 'four' }]), ['pfour'.length]);
  } finally {
    await server.close();
  }
});

test('defect 16: selectionTemperature 1e-320 (and β that small) is refused by the config, not blamed on the server at run time', () => {
  assert.throws(() => loadRunConfig({ ...cfg, decoding: { selection: 'sample', selectionTemperature: 1e-320 } }), configError(/decoding\.selectionTemperature: must be ≥ 0\.000001/));
  assert.throws(() => loadRunConfig({ ...cfg, decoding: { beta: 1e-320 } }), configError(/decoding\.beta/));
  assert.equal(loadRunConfig({ ...cfg, decoding: { selectionTemperature: 1e-6 } }).decoding.selectionTemperature, 1e-6);
});
