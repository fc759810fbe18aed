// `tqstar serve --model NAME=PATH.gguf` and `tqstar decode` with gguf settings, as subprocesses of the built CLI (node dist/cli.js).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const A = join(root, 'test/fixtures/gguf/random-a.gguf');
const B = join(root, 'test/fixtures/gguf/random-b.gguf');

before(() => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

/**
 * Runs the CLI until `ready(stdout, stderr)` holds, then kills its one child (the engine) with SIGSEGV and waits for the
 * CLI to exit: its exit code and what it printed.
 */
async function crashEngineOf(args: string[], ready: (stdout: string, stderr: string) => boolean, limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  await new Promise<void>((resolve, reject) => {
    const check = () => ready(stdout, stderr) && resolve();
    child.stdout.on('data', (d) => ((stdout += d), check()));
    child.stderr.on('data', (d) => ((stderr += d), check()));
    child.once('close', (code) => reject(new Error(`${args[0]} exited (${code}) before it was ready: ${stdout}${stderr}`)));
  });
  // The engine is the CLI's one child process.
  const engine = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  assert.ok(engine > 0);
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    process.kill(engine, 'SIGSEGV');
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

test('serve --model serves GGUF files over the vLLM API, labelled as the local llama.cpp engine; SIGINT stops it and its child', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--model', `a=${A}`, '--model', `b=${B}`, '--sequences', '8'], { cwd: root });
  let stdout = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m && /\n {2}b: /.test(stdout)) resolve(m[1]!);
    });
    child.once('close', (code) => reject(new Error(`serve exited (${code}): ${stdout}`)));
  });
  assert.match(stdout, /local engine \(llama\.cpp through node-llama-cpp/);
  assert.match(stdout, /a: .*random-a\.gguf \(llama, vocabulary 512, EOS 2, context 128 × 8 sequences\)/);
  const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string; owned_by: string }> };
  assert.deepEqual(models.data.map((m) => m.id), ['a', 'b']);
  assert.ok(models.data.every((m) => /local engine/.test(m.owned_by)));
  const body = { model: 'b', prompt: [1, 268, 362], max_tokens: 4, n: 3, logprobs: 2, seed: 5, return_tokens_as_token_ids: true };
  const r = (await (await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as {
    choices: Array<{ index: number; logprobs: { tokens: string[]; token_logprobs: number[] } }>;
  };
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2]);
  for (const c of r.choices) assert.ok(c.logprobs.tokens.every((t) => /^token_id:\d+$/.test(t)));
  const info = (await (await fetch(`${url}/engine/info`)).json()) as { models: Array<{ name: string }> };
  assert.equal(info.models.length, 2);
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.kill('SIGINT');
  });
  clearTimeout(timer);
  assert.equal(code, 0);
  // The engine child went with it: its port no longer answers.
  await assert.rejects(fetch(`${url}/v1/models`));
});

test('serve --model: when the engine child dies (SIGSEGV), serve says it crashed, names the file, and exits 3', { timeout: 60_000, skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const { code, stderr } = await crashEngineOf(['serve', '--port', '0', '--model', `a=${A}`], (out) => /\n {2}a: /.test(out), 50_000);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /tqstar serve: the local llama\.cpp engine crashed \(killed by SIGSEGV\) while serving .*random-a\.gguf/);
});

test('serve --model: a bad spec or file is a usage error naming it', { timeout: 30_000 }, () => {
  const bad = spawnSync(process.execPath, [cli, 'serve', '--model', 'nofile'], { cwd: root, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--model: expected NAME=PATH\.gguf, got "nofile"/);
  const missing = spawnSync(process.execPath, [cli, 'serve', '--port', '0', '--model', 'x=/nonexistent/x.gguf'], { cwd: root, encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing-file: \/nonexistent\/x\.gguf: no such file/);
});

test('decode with gguf settings: paths relative to the config file, the engine started and stopped by the CLI, a ranked table', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-engine-cli-'));
  const cfg = join(dir, 'run.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      base: { gguf: relative(dir, A) },
      baseline: { gguf: relative(dir, B) },
      reward: { kind: 'builtin', name: 'length', target: 12 },
      decoding: { topK: 3, rollouts: 2, horizon: 4, maxTokens: 6, seed: 1 },
    }),
  );
  const r = spawnSync(process.execPath, [cli, 'decode', '--config', cfg, '--prompt', 'The food', '--strategy', 'tqstar', '--strategy', 'greedy', '--json'], { cwd: tmpdir(), encoding: 'utf8', timeout: 80_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { results: Array<{ strategy: string; tokens: unknown[]; finish: string }> };
  assert.deepEqual(out.results.map((x) => x.strategy).sort(), ['greedy', 'tqstar']);
  for (const x of out.results) assert.ok(['eos', 'maxTokens'].includes(x.finish), x.finish);
});

test('decode with gguf settings: when the engine dies mid-run, the failed strategy names the crash and the model files, not a connection error', { timeout: 90_000, skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-engine-crash-'));
  const cfg = join(dir, 'run.json');
  writeFileSync(cfg, JSON.stringify({
    base: { gguf: A }, baseline: { gguf: B }, reward: { kind: 'builtin', name: 'length', target: 12 },
    // Long enough that requests are still to come when the engine is killed after the first one.
    decoding: { topK: 3, rollouts: 2, horizon: 4, maxTokens: 100, seed: 1, gate: { by: 'none' } },
  }));
  // --verbose logs each request as it completes: after the first one the engine is serving the run.
  const { code, stdout, stderr } = await crashEngineOf(['decode', '--config', cfg, '--prompt', 'The food', '--strategy', 'tqstar', '--json', '--verbose'], (_o, err) => / POST http:\/\/127\.0\.0\.1:\d+\/v1\/\S+ 200 /.test(err), 80_000);
  assert.equal(code, 1, `a strategy failed: exit 1; ${stderr}`);
  const out = JSON.parse(stdout) as { results: Array<{ strategy: string; error?: { kind: string; message: string; setting?: string } }> };
  const err = out.results[0]!.error!;
  assert.match(err.message, /^the local llama\.cpp engine crashed \(killed by SIGSEGV\) while serving .*random-a\.gguf, .*random-b\.gguf/);
  assert.equal(err.setting, 'tqstar.base.gguf');
});
