// The linux-x64 platform package: allow-listed files (the engine with only the CPU prebuild, the tiny models), its size budget, and its engine running from the unpacked package alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { ensureLinuxVsix, repoRoot } from './vsix';
import { extractZip, listZip, readZipEntry } from './zip';

// Budgets stated in docs/development.md (Packaging): the engine's JavaScript and CPU binaries (~36 MB unpacked) and three ~2 MB models.
const MAX_VSIX_BYTES = 25_000_000;
const MAX_UNPACKED_BYTES = 60_000_000;

// The package carries the trained tiny models; a checkout without them (before `npm run models`) cannot build it.
// In CI a missing model set fails (the build names it) instead of skipping.
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
const noModels = existsSync(join(repoRoot, 'models', 'tiny', 'manifest.json')) || ci ? false : 'models/tiny is not built (npm run models)';

const ALLOWED: RegExp[] = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE\.txt$/,
  /^extension\/dist\/(extension\.js|engine\.mjs)$/,
  /^extension\/media\/icon\.png$/,
  /^extension\/media\/[\w-]+\.svg$/,
  /^extension\/media\/dist\/[\w-]+\.(js|css)$/,
  // The Get Started walkthrough's step pages (contributes.walkthroughs), as in the universal package.
  /^extension\/media\/walkthrough\/[\w-]+\.md$/,
  /^extension\/models\/tiny\/([\w-]+\.gguf|manifest\.json)$/,
  /^extension\/node_modules\//,
];
const REQUIRED = [
  'extension/dist/extension.js',
  'extension/dist/engine.mjs',
  'extension/models/tiny/sft.gguf',
  'extension/models/tiny/dpo-sentiment.gguf',
  'extension/models/tiny/manifest.json',
  'extension/node_modules/node-llama-cpp/package.json',
  'extension/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node',
];

test('the linux-x64 package: allow-listed files, only the CPU prebuild of llama.cpp, within its size budget', { timeout: 6 * 60_000, skip: noModels }, async () => {
  const vsix = await ensureLinuxVsix();
  const entries = listZip(vsix);
  const names = entries.map((e) => e.name);
  const stray = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
  assert.deepEqual(stray, [], `files outside the allow-list: ${stray.slice(0, 10).join(', ')}`);
  for (const r of REQUIRED) assert.ok(names.includes(r), `missing ${r}`);
  // CUDA, Vulkan and other platforms' binaries must stay out, and so must llama.cpp's source bundle and source maps.
  const heavy = names.filter((n) => /node_modules\/@node-llama-cpp\/(?!linux-x64\/)|(cuda|vulkan)[^/]*\.(so|node)|gitRelease\.bundle|\.map$/.test(n));
  assert.deepEqual(heavy, []);
  const pkg = JSON.parse(readZipEntry(vsix, 'extension/package.json').toString('utf8'));
  assert.deepEqual(Object.keys(pkg.dependencies), ['node-llama-cpp']);
  const manifest = readZipEntry(vsix, 'extension.vsixmanifest').toString('utf8');
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const unpacked = entries.reduce((s, e) => s + e.size, 0);
  const packed = statSync(vsix).size;
  console.log(`# linux-x64 vsix: ${entries.length} files, ${(packed / 1e6).toFixed(1)} MB packed, ${(unpacked / 1e6).toFixed(1)} MB unpacked`);
  assert.ok(packed <= MAX_VSIX_BYTES, `.vsix is ${packed} bytes, budget ${MAX_VSIX_BYTES}`);
  assert.ok(unpacked <= MAX_UNPACKED_BYTES, `unpacked size is ${unpacked} bytes, budget ${MAX_UNPACKED_BYTES}`);
});

test('the unpacked package runs its engine on its own files (no repository node_modules): the tiny sft model answers', { timeout: 6 * 60_000, skip: noModels }, async () => {
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
