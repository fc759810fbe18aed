// Smaller holes: an empty strategy list, Ctrl-C while Node is still compiling the CLI bundle, and `eval --config`
// resolving relative gguf paths against the config file's folder (real files in a temporary folder).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRunConfig } from '../../src/backends/index';
import { TqError } from '../../src/core/errors';
import { demoRunConfig } from '../../src/server/demoConfig';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const main = join(root, 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-smaller-'));
const FIXTURES = join(root, 'test', 'fixtures', 'gguf');

const newest = (d: string): number =>
  readdirSync(d, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs), 0);

before(() => {
  // The built CLI, rebuilt only when a source is newer (other tests may be running it).
  if (!existsSync(cli) || !existsSync(join(root, 'dist', 'cli-main.js')) || statSync(cli).mtimeMs < newest(join(root, 'src'))) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { cwd: root, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
});

test('strategies: [] is a config error naming the key (it used to run nothing)', () => {
  assert.throws(
    () => loadRunConfig({ ...demoRunConfig('http://127.0.0.1:9'), strategies: [] }),
    (e: unknown) => e instanceof TqError && e.kind === 'config' && e.setting === 'tqstar.strategies' && /strategies: is empty: give at least one strategy/.test(e.message),
  );
});

test('three Ctrl-C while Node compiles the CLI bundle end with exit 130 and a message, not a silent kill', { timeout: 60_000 }, () => {
  // A preload that sends the three signals when Node starts compiling the bundle (the first file over 100 kB under
  // dist/), then holds that moment for 200 ms: the window in which the bundle's own handler does not exist yet.
  const hook = join(dir, 'sigint-at-compile.cjs');
  writeFileSync(hook, `const Module = require('node:module');
const { statSync } = require('node:fs');
const compile = Module.prototype._compile;
let fired = false;
Module.prototype._compile = function (content, filename) {
  if (!fired && /[\\\\/]dist[\\\\/]/.test(filename) && statSync(filename).size > 100000) {
    fired = true;
    for (let i = 0; i < 3; i++) process.kill(process.pid, 'SIGINT');
    const until = Date.now() + 200;
    while (Date.now() < until);
  }
  return compile.call(this, content, filename);
};
`);
  const r = spawnSync(process.execPath, ['--require', hook, cli, 'eval', '--world', 'tabular', '--out', join(dir, 'cancelled-eval')], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'killed by the signal, silently');
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /cancel/);
});

test('eval --config resolves relative gguf paths against the config file\'s folder, as decode and probe do', { timeout: 120_000 }, async () => {
  const cfgDir = join(dir, 'project');
  mkdirSync(join(cfgDir, 'models'), { recursive: true });
  copyFileSync(join(FIXTURES, 'random-a.gguf'), join(cfgDir, 'models', 'a.gguf'));
  copyFileSync(join(FIXTURES, 'random-b.gguf'), join(cfgDir, 'models', 'b.gguf'));
  const cfg = join(cfgDir, 'eval.json');
  writeFileSync(cfg, JSON.stringify({ base: { gguf: 'models/a.gguf' }, baseline: { gguf: 'models/b.gguf' }, reward: { kind: 'builtin', name: 'length', target: 5 }, decoding: { maxTokens: 3 }, strategies: ['greedy'] }));
  const prompts = join(dir, 'p.txt');
  writeFileSync(prompts, 'The food was\n');
  // Run from the repository root, not the config's folder: "models/a.gguf" does not exist here.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'eval', '--config', cfg, '--prompts', prompts, '--strategy', 'greedy', '--no-embeddings', '--out', join(dir, 'eval-out')], { cwd: root, env: { ...process.env, TQSTAR_CLI_MAIN: '1' } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /no such file/);
});
