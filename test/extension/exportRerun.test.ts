// Export JSON reproduces the run: the exported file, given to `tqstar decode --config`, re-runs the same prompt, strategies and seed, over real HTTP to the reference server, to the same outputs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server';
import { demoRunConfig } from '../../src/server/demoConfig';
import { RunConfig } from '../../src/config/schema';
import { newRun, runPipeline } from '../../src/extension/runPipeline';
import { exportDocument } from '../../src/webview/runState';
import { sourceCli } from '../cli/sourceCli';


const cli = sourceCli;
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => { server = await startServer({ port: 0, quiet: true }); });
after(() => server?.close());

test('an exported run re-runs with `tqstar decode --config exported.json` to the same texts and rewards', { timeout: 240_000 }, async () => {
  const config = RunConfig.parse({ ...demoRunConfig(server.url), decoding: { ...demoRunConfig(server.url).decoding, maxTokens: 8, seed: 7 } });
  const strategies = ['tqstar', 'greedy', 'bon'] as const;
  // The panel's view of a run as the extension builds it (runner.ts): the config it used, strategies as run.
  const run = { ...newRun('The food was', [...strategies]), config: { ...config, strategies: [...strategies] } };
  const outcome = await runPipeline(run, config, new AbortController().signal);
  assert.equal(outcome.status, 'done', outcome.error?.message);
  const exported = exportDocument(outcome.view);
  assert.equal(exported.prompt, 'The food was');
  assert.equal(exported.decoding?.seed, 7);
  assert.deepEqual(exported.strategies, [...strategies]);
  const file = join(mkdtempSync(join(tmpdir(), 'tqstar-export-')), 'exported.json');
  writeFileSync(file, JSON.stringify(exported, null, 2));

  const out = await cli(['decode', '--config', file, '--json']);
  assert.equal(out.status, 0, out.stderr);
  const again = JSON.parse(out.stdout) as { results: Array<{ strategy: string; text: string; reward: number | null }> };
  const key = (rs: Array<{ strategy: string; text: string; reward: number | null }>) => rs.map((r) => ({ strategy: r.strategy, text: r.text, reward: r.reward })).sort((a, b) => a.strategy.localeCompare(b.strategy));
  assert.deepEqual(key(again.results), key(exported.results));
  assert.ok(exported.results.every((r) => r.text.length > 0));
});

test('an exported file with a non-string prompt is refused as a usage error', { timeout: 60_000 }, async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tqstar-export-')), 'bad.json');
  writeFileSync(file, JSON.stringify({ ...demoRunConfig(server.url), prompt: 42 }));
  const out = await cli(['decode', '--config', file]);
  assert.equal(out.status, 2, out.stderr);
  assert.match(out.stderr, /"prompt" must be a string/);
});
