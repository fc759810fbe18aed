// Checks a platform package (tqstar-<target>.vsix) for a target this machine cannot run: every native file is a binary of the
// target's format (ELF x86-64, ELF AArch64, Mach-O arm64, Mach-O x86-64, PE32+ x64/ARM64) and sits in the target's own
// node-llama-cpp prebuild, no other platform's or GPU variant's files, only allow-listed files, within the target's size budget.
import { readBinaryInfo, describeBinary, matchesFormat, type BinaryInfo } from '../../src/engine/binaryFormat';
import { ENGINE_TARGETS, type VsceTarget } from '../../src/engine/platforms';
import { forEachZipEntry } from './zip';
import { statSync } from 'node:fs';

/**
 * Size budgets per target, in bytes (docs/install.md states them). Measured with node-llama-cpp 3.21.1 and the three ~2.2 MB tiny
 * models; each budget is the measured size plus about 15 %.
 */
export const BUDGETS: Record<string, { packed: number; unpacked: number }> = {
  // measured: 19.5 MB packed, 46.2 MB unpacked
  'linux-x64': { packed: 22_500_000, unpacked: 53_000_000 },
  // 16.1 / 36.3
  'linux-arm64': { packed: 18_500_000, unpacked: 42_000_000 },
  // 13.7 / 31.3
  'darwin-arm64': { packed: 16_000_000, unpacked: 36_000_000 },
  // 19.7 / 46.7
  'darwin-x64': { packed: 22_500_000, unpacked: 54_000_000 },
  // 18.5 / 62.7 (the DLLs compress well)
  'win32-x64': { packed: 21_500_000, unpacked: 72_000_000 },
  // 13.3 / 36.5
  'win32-arm64': { packed: 15_500_000, unpacked: 42_000_000 },
};

/** Every file the universal package may hold (vsce adds the manifest and content types and renames README/LICENSE). */
export const UNIVERSAL_ALLOWED: readonly RegExp[] = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE\.txt$/,
  /^extension\/dist\/extension\.js$/,
  /^extension\/media\/icon\.png$/,
  /^extension\/media\/[\w-]+\.svg$/,
  /^extension\/media\/dist\/[\w-]+\.(js|css)$/,
  // The Get Started walkthrough's step pages (contributes.walkthroughs); screenshots stay out (the README's are inlined).
  /^extension\/media\/walkthrough\/[\w-]+\.md$/,
];

/** Every file a platform package may hold: the universal package's, the engine's child, the tiny models and node_modules. */
const ALLOWED: RegExp[] = [
  ...UNIVERSAL_ALLOWED,
  /^extension\/dist\/engine\.mjs$/,
  /^extension\/models\/tiny\/([\w-]+\.gguf|manifest\.json)$/,
  /^extension\/node_modules\//,
];

/** Never inside a package: source maps, type declarations, llama.cpp's source bundle, import libraries, GPU variants. */
const FORBIDDEN = /\.(map|d\.ts|d\.cts|d\.mts|lib|pdb|exp)$|gitRelease\.bundle$|@node-llama-cpp\/[^/]*(cuda|vulkan)|(cuda|vulkan)[^/]*\.(node|so|dylib|dll)$/i;
/** Names that must be native binaries wherever they appear. */
const NATIVE_NAME = /\.(node|so(\.\d+)*|dylib|dll|exe)$/i;

export interface NativeFile {
  name: string;
  info: BinaryInfo | null;
}

export interface PackageReport {
  file: string;
  target: VsceTarget;
  entries: number;
  packed: number;
  unpacked: number;
  natives: NativeFile[];
  problems: string[];
}

export function checkPlatformPackage(file: string, target: VsceTarget): PackageReport {
  const t = ENGINE_TARGETS.find((e) => e.target === target);
  if (!t) throw new Error(`no engine target ${target}`);
  const problems: string[] = [];
  const names: string[] = [];
  const natives: NativeFile[] = [];
  const ownBins = `extension/node_modules/${t.prebuild}/bins/${t.binsDir}/`;
  let unpacked = 0;
  let manifest = '';
  let metadata: { buildOptions?: { platform?: string; arch?: string; gpu?: unknown } } | null = null;
  forEachZipEntry(file, (e, data) => {
    names.push(e.name);
    unpacked += data.length;
    if (e.name === 'extension.vsixmanifest') manifest = data.toString('utf8');
    if (e.name === `${ownBins}_nlcBuildMetadata.json`) metadata = JSON.parse(data.toString('utf8'));
    const info = readBinaryInfo(data.subarray(0, 4096));
    if (info || NATIVE_NAME.test(e.name)) natives.push({ name: e.name, info });
  });

  const stray = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
  if (stray.length) problems.push(`files outside the allow-list: ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ` (+${stray.length - 5})` : ''}`);
  const forbidden = names.filter((n) => FORBIDDEN.test(n));
  if (forbidden.length) problems.push(`files that must stay out: ${forbidden.slice(0, 5).join(', ')}`);
  const otherPrebuilds = [...new Set(names.filter((n) => n.startsWith('extension/node_modules/@node-llama-cpp/') && !n.startsWith(`extension/node_modules/${t.prebuild}/`)).map((n) => n.split('/').slice(2, 4).join('/')))];
  if (otherPrebuilds.length) problems.push(`other platforms' prebuilds inside: ${otherPrebuilds.join(', ')}`);

  for (const n of natives) {
    if (!n.info) problems.push(`${n.name}: named like a native binary but not ELF, Mach-O or PE`);
    else if (!matchesFormat(n.info, t.format)) problems.push(`${n.name}: ${describeBinary(n.info)}, not the ${describeBinary(t.format)} ${target} needs`);
    if (!n.name.startsWith(ownBins)) problems.push(`${n.name}: a native file outside ${ownBins}`);
  }
  const required = [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/engine.mjs',
    'extension/models/tiny/sft.gguf',
    'extension/models/tiny/dpo-sentiment.gguf',
    'extension/models/tiny/manifest.json',
    'extension/node_modules/node-llama-cpp/package.json',
    `extension/node_modules/${t.prebuild}/package.json`,
    `${ownBins}llama-addon.node`,
    `${ownBins}_nlcBuildMetadata.json`,
  ];
  for (const r of required) if (!names.includes(r)) problems.push(`missing ${r}`);
  if (!new RegExp(`TargetPlatform="${target}"`).test(manifest)) problems.push(`the manifest does not say TargetPlatform="${target}"`);
  // The prebuild's own record of what it was built for.
  const b = (metadata as { buildOptions?: { platform?: string; arch?: string; gpu?: unknown } } | null)?.buildOptions;
  const wantPlatform = { linux: 'linux', darwin: 'mac', win32: 'win' }[t.platform as 'linux' | 'darwin' | 'win32'];
  if (b && (b.platform !== wantPlatform || b.arch !== t.arch || b.gpu !== t.gpu))
    problems.push(`the prebuild says it was built for ${b.platform}-${b.arch} (gpu ${String(b.gpu)}), not ${wantPlatform}-${t.arch} (gpu ${String(t.gpu)})`);

  const packed = statSync(file).size;
  const budget = BUDGETS[target]!;
  if (packed > budget.packed) problems.push(`.vsix is ${packed} bytes, budget ${budget.packed}`);
  if (unpacked > budget.unpacked) problems.push(`unpacked size is ${unpacked} bytes, budget ${budget.unpacked}`);
  return { file, target, entries: names.length, packed, unpacked, natives, problems };
}

export function formatReport(r: PackageReport): string {
  const head = `${r.target}: ${r.entries} files, ${(r.packed / 1e6).toFixed(1)} MB packed, ${(r.unpacked / 1e6).toFixed(1)} MB unpacked, ${r.natives.length} native files`;
  return r.problems.length ? `${head} — FAILED:\n  ${r.problems.join('\n  ')}` : `${head} — ok`;
}
