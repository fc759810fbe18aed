// The packaged .vsix: only allow-listed files, within the size budget docs/development.md states, built without warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { buildLogPath, ensureVsix } from './vsix';
import { listZip, readZipEntry } from './zip';
import { UNIVERSAL_ALLOWED } from './platformCheck';

// Budgets stated in docs/development.md (Packaging). The bundle inlines zod, sentiment and the openai SDK (for the non-hot routes).
const MAX_VSIX_BYTES = 1_500_000;
const MAX_UNPACKED_BYTES = 4_000_000;

const ALLOWED = UNIVERSAL_ALLOWED;
const REQUIRED = ['extension/package.json', 'extension/readme.md', 'extension/LICENSE.txt', 'extension/dist/extension.js', 'extension/media/icon.png', 'extension/media/dist/panel.js', 'extension/media/dist/sidebar.js'];

test('npm run package builds a .vsix of allow-listed files within the size budget', { timeout: 16 * 60_000 }, async () => {
  const vsix = await ensureVsix();
  const entries = listZip(vsix);
  const names = entries.map((e) => e.name);
  const stray = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
  assert.deepEqual(stray, [], `files outside the allow-list: ${stray.join(', ')}`);
  for (const r of REQUIRED) assert.ok(names.includes(r), `missing ${r}`);
  const unpacked = entries.reduce((s, e) => s + e.size, 0);
  const packed = statSync(vsix).size;
  console.log(`# vsix: ${entries.length} files, ${(packed / 1024).toFixed(0)} KiB packed, ${(unpacked / 1024).toFixed(0)} KiB unpacked`);
  assert.ok(packed <= MAX_VSIX_BYTES, `.vsix is ${packed} bytes, budget ${MAX_VSIX_BYTES}`);
  assert.ok(unpacked <= MAX_UNPACKED_BYTES, `unpacked size is ${unpacked} bytes, budget ${MAX_UNPACKED_BYTES}`);
});

test('the build that produced the .vsix printed no warning and asked nothing', { timeout: 16 * 60_000 }, async () => {
  await ensureVsix();
  // A .vsix made by hand (not through ensureVsix) has no log; rebuilding it is the caller's choice.
  if (!existsSync(buildLogPath)) return;
  const log = readFileSync(buildLogPath, 'utf8');
  assert.doesNotMatch(log, /WARNING|\bwarn\b|Do you want to continue|\[y\/N\]/i, log);
  assert.match(log, /DONE\s+Packaged/, log);
});

test('the packaged manifest carries what the Marketplace and vsce require, and its entry point is inside', { timeout: 16 * 60_000 }, async () => {
  const vsix = await ensureVsix();
  const names = listZip(vsix).map((e) => e.name);
  const pkg = JSON.parse(readZipEntry(vsix, 'extension/package.json').toString('utf8'));
  for (const k of ['publisher', 'license', 'icon', 'engines']) assert.ok(pkg[k], `package.json lacks ${k}`);
  // No public repository is known: none is named, rather than a placeholder the Details page would link.
  assert.equal(pkg.repository, undefined, 'package.json names a repository: check that it is real, then drop this assertion');
  assert.ok(!(pkg.activationEvents ?? []).includes('*'), 'activation on "*" slows every window');
  const inside = (rel: string) => names.includes(`extension/${rel.replace(/^\.\//, '')}`);
  assert.ok(inside(pkg.main.endsWith('.js') ? pkg.main : `${pkg.main}.js`), `main ${pkg.main} is not in the .vsix`);
  assert.match(pkg.icon, /\.png$/, 'vsce rejects SVG icons');
  assert.ok(inside(pkg.icon), `icon ${pkg.icon} is not in the .vsix`);
  const png = readZipEntry(vsix, `extension/${pkg.icon}`);
  assert.equal(png.readUInt32BE(16), 128, 'icon width');
  assert.equal(png.readUInt32BE(20), 128, 'icon height');
  // Every icon the manifest points at (activity bar, views) must ship too.
  const iconPaths = JSON.stringify(pkg.contributes ?? {}).match(/"(?:\.\/)?media\/[^"]+"/g) ?? [];
  for (const q of iconPaths) assert.ok(inside(JSON.parse(q)), `contributes references ${q}, missing from the .vsix`);
  // The bundle must not require the Node modules it was supposed to inline.
  const main = readZipEntry(vsix, `extension/${pkg.main.replace(/^\.\//, '')}`).toString('utf8');
  for (const dep of Object.keys(pkg.dependencies ?? {})) assert.doesNotMatch(main, new RegExp(`require\\(["']${dep}["']\\)`), `${dep} is required at runtime, not bundled`);
});

test('the Details page (the packaged readme.md) shows its images: each inlined, none relative, no placeholder host', { timeout: 6 * 60_000 }, async () => {
  const vsix = await ensureVsix();
  const readme = readZipEntry(vsix, 'extension/readme.md').toString('utf8');
  // VS Code's extension editor resolves no relative path in a README and allows only https: and data: images.
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=["']([^"']+)["']/g)].map((m) => m[1] ?? m[2]);
  assert.ok(images.length >= 1, 'the packaged README shows no picture');
  for (const src of images) assert.match(src, /^(data:image\/(png|jpeg|gif);base64,|https:\/\/)/, `image the Details page cannot show: ${src.slice(0, 80)}`);
  for (const name of ['extension/readme.md', 'extension/package.json', 'extension.vsixmanifest']) {
    assert.doesNotMatch(readZipEntry(vsix, name).toString('utf8'), /example\.invalid/, `${name} names the placeholder host`);
  }
});
