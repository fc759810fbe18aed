// Every platform package `npm run package:all` builds: the target's binary format only, allow-listed files, its size budget;
// and the same check refusing packages assembled wrong (another target's binaries, a second platform's prebuild).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENGINE_TARGETS, type VsceTarget } from '../../src/engine/platforms';
import { checkPlatformPackage, formatReport } from './platformCheck';
import { ensureTargetVsixes, repoRoot } from './vsix';
import { forEachZipEntry, writeZip } from './zip';

// The packages carry the trained tiny models; a checkout without them (before `npm run models`) cannot build them. In CI a
// missing model set fails (the build names it) instead of skipping.
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
const noModels = existsSync(join(repoRoot, 'models', 'tiny', 'manifest.json')) || ci ? false : 'models/tiny is not built (npm run models)';

let built: Promise<Map<VsceTarget, string>> | null = null;
const packages = () => (built ??= ensureTargetVsixes());

test('npm run package:all builds every target; each holds only its own binary format, allow-listed files, within its budget', { timeout: 16 * 60_000, skip: noModels }, async () => {
  const paths = await packages();
  assert.deepEqual([...paths.keys()].sort(), ENGINE_TARGETS.map((t) => t.target).sort());
  for (const [target, file] of paths) {
    const r = checkPlatformPackage(file, target);
    console.log(`# ${formatReport(r)}`);
    assert.deepEqual(r.problems, [], formatReport(r));
    // The llama.cpp addon itself is among the native files checked, and all of them sit in the one prebuild.
    assert.ok(r.natives.some((n) => n.name.endsWith('/llama-addon.node')));
  }
});

/** A copy of `from` where each entry may be replaced or dropped, and entries added. */
function assemble(from: string, out: string, edit: (name: string, data: Buffer) => Buffer | null, extra: Array<{ name: string; data: Buffer }> = []): string {
  const entries: Array<{ name: string; data: Buffer }> = [];
  forEachZipEntry(from, (e, data) => {
    const d = edit(e.name, data);
    if (d) entries.push({ name: e.name, data: d });
  });
  writeZip(out, [...entries, ...extra]);
  return out;
}

test('the check rejects a darwin-arm64 package built with the linux-x64 binaries, and passes its faithful copy', { timeout: 16 * 60_000, skip: noModels }, async () => {
  const paths = await packages();
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-wrong-'));
  // The linux-x64 prebuild's files, by file name.
  const linux = new Map<string, Buffer>();
  forEachZipEntry(paths.get('linux-x64')!, (e, d) => {
    if (e.name.includes('/@node-llama-cpp/linux-x64/bins/linux-x64/')) linux.set(e.name.split('/').pop()!, d);
  });
  const mac = paths.get('darwin-arm64')!;
  // The control: the same assembly without a change passes, so a rejection below is the binary's doing.
  const copy = assemble(mac, join(dir, 'copy.vsix'), (_, d) => d);
  assert.deepEqual(checkPlatformPackage(copy, 'darwin-arm64').problems, []);
  // The Metal prebuild's folder with linux-x64's addon in place of its own.
  const wrong = assemble(mac, join(dir, 'wrong.vsix'), (name, d) => (name.endsWith('/mac-arm64-metal/llama-addon.node') ? linux.get('llama-addon.node')! : d));
  const r = checkPlatformPackage(wrong, 'darwin-arm64');
  assert.ok(r.problems.some((p) => /mac-arm64-metal\/llama-addon\.node: ELF x64, not the Mach-O arm64 darwin-arm64 needs/.test(p)), formatReport(r));
});

test('the check rejects a package with a second platform\'s prebuild inside, a GPU variant, or a file outside the allow-list', { timeout: 16 * 60_000, skip: noModels }, async () => {
  const paths = await packages();
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-extra-'));
  const win = new Map<string, Buffer>();
  forEachZipEntry(paths.get('win32-x64')!, (e, d) => {
    if (e.name.includes('/@node-llama-cpp/win-x64/')) win.set(e.name, d);
  });
  const extra = [...win].map(([name, data]) => ({ name, data }));
  const mixed = assemble(paths.get('linux-x64')!, join(dir, 'mixed.vsix'), (_, d) => d, extra);
  const r = checkPlatformPackage(mixed, 'linux-x64');
  assert.ok(r.problems.some((p) => /other platforms' prebuilds inside: @node-llama-cpp\/win-x64/.test(p)), formatReport(r));
  assert.ok(r.problems.some((p) => /win-x64\/bins\/win-x64\/llama-addon\.node: PE32\+ x64, not the ELF x64/.test(p)), formatReport(r));

  const cuda = assemble(paths.get('linux-x64')!, join(dir, 'cuda.vsix'), (_, d) => d, [
    { name: 'extension/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-cuda.so', data: Buffer.from(linux64Header()) },
    { name: 'extension/node_modules/node-llama-cpp/llama/gitRelease.bundle', data: Buffer.from('bundle') },
    { name: 'extension/src/extension.ts', data: Buffer.from('source') },
  ]);
  const c = checkPlatformPackage(cuda, 'linux-x64');
  assert.ok(c.problems.some((p) => /must stay out: .*libggml-cuda\.so.*gitRelease\.bundle/.test(p)), formatReport(c));
  assert.ok(c.problems.some((p) => /outside the allow-list: extension\/src\/extension\.ts/.test(p)), formatReport(c));
});

/** An ELF x86-64 header (the format is right; the name is what must be refused). */
function linux64Header(): Uint8Array {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(62, 18);
  return b;
}
