// The engine launcher on every platform VS Code runs on: which prebuilt llama.cpp binary it picks for process.platform/arch,
// how it reads a binary's format, the child's command line as desktop VS Code needs it, and Windows model paths.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { describeBinary, matchesFormat, readBinaryInfo } from '../../src/engine/binaryFormat';
import { chooseEngineBinary, engineChildCommand, type FileAccess } from '../../src/engine/launcher';
import { ENGINE_TARGETS, engineTargetFor, vsceTargetOf } from '../../src/engine/platforms';
import { resolveModelPath } from '../../src/engine/pool';

// Headers written from the formats' specifications (not read back from the code under test).
function elf(bits: 32 | 64, machine: number): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, 1, 1], 0);
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeUInt16LE(machine, 18);
  return b;
}
function macho(cpu: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0); // MH_MAGIC_64, little endian on disk: cf fa ed fe
  b.writeInt32LE(cpu, 4);
  b.writeUInt32LE(8, 12); // MH_BUNDLE
  return b;
}
function fat(cpus: number[]): Buffer {
  const b = Buffer.alloc(8 + 20 * cpus.length);
  b.writeUInt32BE(0xcafebabe, 0);
  b.writeUInt32BE(cpus.length, 4);
  cpus.forEach((c, i) => b.writeInt32BE(c, 8 + 20 * i));
  return b;
}
function pe(machine: number, magic: number): Buffer {
  const b = Buffer.alloc(0x200);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(machine, 0x84);
  b.writeUInt16LE(magic, 0x80 + 24);
  return b;
}
const HEADERS = {
  'linux-x64': elf(64, 62),
  'linux-arm64': elf(64, 183),
  'linux-armhf': elf(32, 40),
  'darwin-x64': macho(0x01000007),
  'darwin-arm64': macho(0x0100000c),
  'win32-x64': pe(0x8664, 0x20b),
  'win32-arm64': pe(0xaa64, 0x20b),
};

test('binary headers: ELF x86-64 / AArch64 / ARM, Mach-O x86-64 / arm64 / universal, PE32+ x64 / ARM64, PE32', () => {
  const d = (b: Buffer) => { const i = readBinaryInfo(b); return i && describeBinary(i); };
  assert.equal(d(HEADERS['linux-x64']), 'ELF x64');
  assert.equal(d(HEADERS['linux-arm64']), 'ELF arm64');
  assert.equal(d(HEADERS['linux-armhf']), 'ELF arm');
  assert.equal(readBinaryInfo(HEADERS['linux-armhf'])!.bits, 32);
  assert.equal(d(HEADERS['darwin-x64']), 'Mach-O x64');
  assert.equal(d(HEADERS['darwin-arm64']), 'Mach-O arm64');
  assert.equal(d(fat([0x01000007, 0x0100000c])), 'Mach-O universal (x64+arm64)');
  assert.equal(d(HEADERS['win32-x64']), 'PE32+ x64');
  assert.equal(d(HEADERS['win32-arm64']), 'PE32+ arm64');
  assert.equal(d(pe(0x14c, 0x10b)), 'PE32 ia32');
  // Not binaries: text, a JSON file, a Java class file (same magic as a universal Mach-O), a truncated header.
  for (const b of [Buffer.from('#!/bin/sh\n'), Buffer.from('{"a":1}'), Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]), Buffer.from([0x7f, 0x45])]) assert.equal(readBinaryInfo(b), null);
  // A PE file whose PE header offset points outside what was read.
  const broken = pe(0x8664, 0x20b);
  broken.writeUInt32LE(0x10000, 0x3c);
  assert.equal(readBinaryInfo(broken), null);
});

test('each target accepts exactly its own format: no other target\'s header passes, nor a universal Mach-O or a 32-bit build', () => {
  for (const t of ENGINE_TARGETS)
    for (const [name, header] of Object.entries(HEADERS)) assert.equal(matchesFormat(readBinaryInfo(header)!, t.format), name === t.target, `${t.target} vs a ${name} header`);
  const darwinArm = ENGINE_TARGETS.find((t) => t.target === 'darwin-arm64')!;
  assert.equal(matchesFormat(readBinaryInfo(fat([0x01000007, 0x0100000c]))!, darwinArm.format), false);
  assert.equal(matchesFormat(readBinaryInfo(fat([0x0100000c]))!, darwinArm.format), true);
  const winX64 = ENGINE_TARGETS.find((t) => t.target === 'win32-x64')!;
  assert.equal(matchesFormat(readBinaryInfo(pe(0x8664, 0x10b))!, winX64.format), false);
});

test('the Node running this test is a binary of the format its own platform\'s package carries', () => {
  const t = engineTargetFor(process.platform, process.arch);
  if (!t) return; // a platform without an engine package
  const info = readBinaryInfo(readFileSync(process.execPath).subarray(0, 4096));
  assert.ok(info && matchesFormat(info, t.format), `${process.execPath}: ${info && describeBinary(info)}`);
});

// Every platform and architecture Node reports that VS Code runs on, and what the launcher must pick there.
const TABLE: Array<{ platform: string; arch: string; musl?: boolean; vsce: string | null; prebuild: string | null; gpu?: false | 'metal' }> = [
  { platform: 'linux', arch: 'x64', vsce: 'linux-x64', prebuild: '@node-llama-cpp/linux-x64', gpu: false },
  { platform: 'linux', arch: 'arm64', vsce: 'linux-arm64', prebuild: '@node-llama-cpp/linux-arm64', gpu: false },
  { platform: 'linux', arch: 'arm', vsce: 'linux-armhf', prebuild: null },
  { platform: 'linux', arch: 'x64', musl: true, vsce: 'alpine-x64', prebuild: null },
  { platform: 'linux', arch: 'arm64', musl: true, vsce: 'alpine-arm64', prebuild: null },
  { platform: 'darwin', arch: 'arm64', vsce: 'darwin-arm64', prebuild: '@node-llama-cpp/mac-arm64-metal', gpu: 'metal' },
  { platform: 'darwin', arch: 'x64', vsce: 'darwin-x64', prebuild: '@node-llama-cpp/mac-x64', gpu: false },
  { platform: 'win32', arch: 'x64', vsce: 'win32-x64', prebuild: '@node-llama-cpp/win-x64', gpu: false },
  { platform: 'win32', arch: 'arm64', vsce: 'win32-arm64', prebuild: '@node-llama-cpp/win-arm64', gpu: false },
  { platform: 'win32', arch: 'ia32', vsce: null, prebuild: null },
  { platform: 'freebsd', arch: 'x64', vsce: null, prebuild: null },
  { platform: 'linux', arch: 'riscv64', vsce: null, prebuild: null },
];

/** A fake installed extension: its files and the first bytes of each. */
function fakeFiles(files: Record<string, Buffer | string>, p: path.PlatformPath): FileAccess {
  const norm = (f: string) => p.normalize(f);
  const map = new Map(Object.entries(files).map(([k, v]) => [norm(k), typeof v === 'string' ? Buffer.from(v) : v]));
  return { exists: (f) => map.has(norm(f)), head: (f) => map.get(norm(f))!.subarray(0, 4096) };
}

test('the launcher picks each platform\'s own prebuild (Metal on Apple silicon), and says what to do where it cannot', () => {
  for (const row of TABLE) {
    const host = { platform: row.platform, arch: row.arch, musl: row.musl };
    assert.equal(vsceTargetOf(row.platform, row.arch, { musl: row.musl }), row.vsce, JSON.stringify(row));
    const t = engineTargetFor(row.platform, row.arch, { musl: row.musl });
    assert.equal(t?.prebuild ?? null, row.prebuild, JSON.stringify(row));
    // Paths as the platform writes them: an extension folder with a space and non-ASCII letters.
    const p = row.platform === 'win32' ? path.win32 : path.posix;
    const ext = row.platform === 'win32' ? 'C:\\Users\\Zoë Ünal\\.vscode\\extensions\\tqstar-dev.tqstar-0.1.0' : '/home/zoë ünal/.vscode/extensions/tqstar-dev.tqstar-0.1.0';
    const dist = p.join(ext, 'dist');
    if (!t) {
      const c = chooseEngineBinary(host, dist, fakeFiles({}, p), p);
      assert.equal(c.ok, false);
      assert.ok(!c.ok && c.reason === 'no-target');
      assert.match(!c.ok ? c.message : '', /no local engine for .*tqstar\.base\.baseUrl and tqstar\.baseline\.baseUrl to a llama-server, Ollama or vLLM server/);
      continue;
    }
    assert.equal(t.gpu, row.gpu);
    const pkgDir = p.join(ext, 'node_modules', ...t.prebuild.split('/'));
    const addon = p.join(pkgDir, 'bins', t.binsDir, 'llama-addon.node');
    // Installed and of the right format: chosen.
    const right = chooseEngineBinary(host, dist, fakeFiles({ [p.join(pkgDir, 'package.json')]: '{}', [addon]: HEADERS[row.vsce as keyof typeof HEADERS] }, p), p);
    assert.ok(right.ok, JSON.stringify(right));
    assert.equal(right.ok && right.addon, addon);
    // The universal package: no prebuild at all.
    const none = chooseEngineBinary(host, dist, fakeFiles({}, p), p);
    assert.ok(!none.ok && none.reason === 'not-installed');
    assert.match(!none.ok ? none.message : '', new RegExp(`install the ${row.vsce} package of the extension \\(tqstar-${row.vsce}\\.vsix\\), or set tqstar\\.base\\.baseUrl`));
    // Another target's binary under this target's name (a package built wrong): refused, naming both formats.
    const other = row.vsce === 'linux-x64' ? 'win32-x64' : 'linux-x64';
    const wrong = chooseEngineBinary(host, dist, fakeFiles({ [p.join(pkgDir, 'package.json')]: '{}', [addon]: HEADERS[other] }, p), p);
    assert.ok(!wrong.ok && wrong.reason === 'wrong-binary', JSON.stringify(wrong));
    assert.match(!wrong.ok ? wrong.message : '', new RegExp(`is a ${describeBinary(readBinaryInfo(HEADERS[other])!).replace('+', '\\+')} binary .* not the ${describeBinary(t.format).replace('+', '\\+')}`));
  }
});

test('the prebuild is found where Node would resolve it: beside the bundle, or in a node_modules further up (a checkout)', () => {
  const p = path.posix;
  const t = engineTargetFor('linux', 'x64')!;
  const addon = '/repo/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node';
  const files = fakeFiles({ '/repo/node_modules/@node-llama-cpp/linux-x64/package.json': '{}', [addon]: HEADERS['linux-x64'] }, p);
  const c = chooseEngineBinary({ platform: 'linux', arch: 'x64' }, '/repo/src/engine', files, p);
  assert.ok(c.ok && c.addon === addon && c.target === t);
});

test('desktop VS Code: the child runs under the host executable with ELECTRON_RUN_AS_NODE=1; Windows paths stay whole (no shell, no quoting)', () => {
  const exe = 'C:\\Users\\Zoë\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe';
  const entry = 'C:\\Users\\Zoë\\.vscode\\extensions\\tqstar-dev.tqstar-0.1.0-win32-x64\\dist\\engine.mjs';
  const c = engineChildCommand({ execPath: exe, electron: true, entry, typescript: false, path: path.win32 });
  assert.equal(c.command, exe);
  assert.deepEqual(c.args, [entry]);
  assert.equal(c.cwd, 'C:\\Users\\Zoë\\.vscode\\extensions\\tqstar-dev.tqstar-0.1.0-win32-x64\\dist');
  assert.equal(c.env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(c.env.UV_THREADPOOL_SIZE, '1');
  // Under plain Node (the CLI, code-server) the variable is not set.
  const node = engineChildCommand({ execPath: '/usr/bin/node', electron: false, entry: '/opt/ext/dist/engine.mjs', typescript: false, path: path.posix });
  assert.equal(node.env.ELECTRON_RUN_AS_NODE, undefined);
  assert.equal(node.cwd, '/opt/ext/dist');
});

test('Windows model paths: drive letters, UNC shares, "~\\", relative to the workspace, spaces and non-ASCII', () => {
  const w = { path: path.win32, home: 'C:\\Users\\Zoë' };
  assert.equal(resolveModelPath('D:\\Modèles\\my model.gguf', 'C:\\ws', w), 'D:\\Modèles\\my model.gguf');
  assert.equal(resolveModelPath('d:/Modèles/my model.gguf', 'C:\\ws', w), 'd:\\Modèles\\my model.gguf');
  assert.equal(resolveModelPath('\\\\server\\share\\models\\a b.gguf', 'C:\\ws', w), '\\\\server\\share\\models\\a b.gguf');
  assert.equal(resolveModelPath('~\\models\\ü.gguf', 'C:\\ws', w), 'C:\\Users\\Zoë\\models\\ü.gguf');
  assert.equal(resolveModelPath('~/models/ü.gguf', 'C:\\ws', w), 'C:\\Users\\Zoë\\models\\ü.gguf');
  assert.equal(resolveModelPath('models\\x y.gguf', 'C:\\Projets\\élan', w), 'C:\\Projets\\élan\\models\\x y.gguf');
  assert.equal(resolveModelPath('..\\shared\\x.gguf', 'C:\\Projets\\élan', w), 'C:\\Projets\\shared\\x.gguf');
  // On POSIX a backslash is a file name character, not a separator: "~\\x" is not the home folder.
  const u = { path: path.posix, home: '/home/zoë' };
  assert.equal(resolveModelPath('~/m/ü x.gguf', '/ws', u), '/home/zoë/m/ü x.gguf');
  assert.equal(resolveModelPath('~\\m.gguf', '/ws', u), '/ws/~\\m.gguf');
  assert.equal(resolveModelPath('m/a.gguf', '/ws/é', u), '/ws/é/m/a.gguf');
});
