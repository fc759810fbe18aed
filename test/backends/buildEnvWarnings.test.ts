// buildEnv's warnings are things a user should act on: a clean vLLM-shaped server with dialect "auto" gives none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

test('auto-detecting a server that has every capability warns about nothing', { timeout: 30_000 }, async () => {
  const cfg = demoRunConfig(server.url);
  const config = loadRunConfig({ ...cfg, base: { ...cfg.base, dialect: 'auto' }, baseline: { ...cfg.baseline, dialect: 'auto' } });
  const { warnings, dispose } = await buildEnv(config);
  dispose();
  assert.deepEqual(warnings, []);
});

test('auto-detecting a text-only server warns about re-tokenisation drift, naming the endpoint', { timeout: 30_000 }, async () => {
  const ollama = await startServer({ port: 0, quiet: true, dialect: 'ollama' });
  try {
    const cfg = demoRunConfig(ollama.url);
    const config = loadRunConfig({ ...cfg, base: { ...cfg.base, dialect: 'auto' }, baseline: { ...cfg.baseline, dialect: 'auto' } });
    const { warnings, dispose } = await buildEnv(config);
    dispose();
    assert.ok(warnings.some((w) => /drift/.test(w) && w.includes(ollama.url)), warnings.join('\n'));
  } finally {
    await ollama.close();
  }
});
