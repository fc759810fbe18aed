// A run's AbortSignal must not collect a listener per request (the openai SDK never removes its own).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { runStrategies } from '../../src/core/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

test('no abort listeners are left on the run signal after a run of many requests', { timeout: 60_000 }, async () => {
  const abort = new AbortController();
  const config = loadRunConfig(demoRunConfig(server.url));
  const { env, dispose } = await buildEnv(config, { signal: abort.signal });
  const before = server.stats().requests;
  const run = await runStrategies(['tqstar', 'cd'], { text: 'The food' }, env, config.decoding, { signal: abort.signal });
  dispose();
  assert.ok(run.results.every((r) => !r.error), JSON.stringify(run.results.map((r) => r.error)));
  assert.ok(server.stats().requests - before > 20, 'the run made many requests');
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
});
