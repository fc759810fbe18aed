// The linux-x64 platform package: the platform check (platformCheck.ts), and its engine running from the unpacked package alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { ensureLinuxVsix, repoRoot } from './vsix';
import { extractZip, readZipEntry } from './zip';
import { checkPlatformPackage, formatReport } from './platformCheck';

// The package carries the trained tiny models; a checkout without them (before `npm run models`) cannot build it.
// In CI a missing model set fails (the build names it) instead of skipping.
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
const noModels = existsSync(join(repoRoot, 'models', 'tiny', 'manifest.json')) || ci ? false : 'models/tiny is not built (npm run models)';

test('the linux-x64 package: allow-listed files, only the CPU prebuild of llama.cpp (ELF x86-64), within its size budget', { timeout: 16 * 60_000, skip: noModels }, async () => {
  const vsix = await ensureLinuxVsix();
  const r = checkPlatformPackage(vsix, 'linux-x64');
  console.log(`# ${formatReport(r)}`);
  assert.deepEqual(r.problems, [], formatReport(r));
  const pkg = JSON.parse(readZipEntry(vsix, 'extension/package.json').toString('utf8'));
  assert.deepEqual(Object.keys(pkg.dependencies), ['node-llama-cpp']);
});

test('the unpacked package runs its engine on its own files (no repository node_modules): the tiny sft model answers', { timeout: 16 * 60_000, skip: noModels }, async () => {
  const vsix = await ensureLinuxVsix();
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-vsix-'));
  extractZip(vsix, dir);
  const ext = join(dir, 'extension');
  const child = spawn(process.execPath, [join(ext, 'dist', 'engine.mjs')], {
    cwd: join(ext, 'dist'),
    env: { ...process.env, UV_THREADPOOL_SIZE: '1', NODE_PATH: '', TQSTAR_ENGINE_SPEC: JSON.stringify({ models: [{ name: 'sft', file: join(ext, 'models', 'tiny', 'sft.gguf') }] }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (c) => reject(new Error(`engine exited (${c})`)));
    });
    const msg = JSON.parse(line) as { ready: boolean; url: string; failure?: { message: string } };
    assert.ok(msg.ready, msg.failure?.message);
    const post = async (path: string, body: unknown) => (await fetch(msg.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const r = (await post('/v1/completions', { model: 'sft', prompt: 'The customer service was', max_tokens: 12, temperature: 0, logprobs: 1 })) as { choices: Array<{ text: string; logprobs: { token_logprobs: number[] } }> };
    const c = r.choices[0]!;
    assert.ok(c.text.trim().length > 0);
    assert.ok(c.logprobs.token_logprobs.every((x) => Number.isFinite(x) && x <= 0));
  } finally {
    child.stdin!.end();
    child.kill();
  }
});
