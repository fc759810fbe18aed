// Which VS Code platforms have a package with the local engine, and which node-llama-cpp prebuilt binary each one carries.
// Pure data and lookups: the packaging script, the package checks and the engine launcher all read this one table.
import type { BinaryFormat } from './binaryFormat';

/** A VS Code target platform (`vsce package --target`). */
export type VsceTarget = 'linux-x64' | 'linux-arm64' | 'linux-armhf' | 'darwin-x64' | 'darwin-arm64' | 'win32-x64' | 'win32-arm64' | 'alpine-x64' | 'alpine-arm64';

export interface EngineTarget {
  target: VsceTarget;
  platform: NodeJS.Platform;
  arch: string;
  /** The one node-llama-cpp prebuild package the target's package carries (CPU; Metal on Apple silicon). */
  prebuild: string;
  /** Its folder under bins/ (holds llama-addon.node and the libraries it loads). */
  binsDir: string;
  /** What getLlama is asked for: node-llama-cpp finds the Apple silicon prebuild only under 'metal'. */
  gpu: false | 'metal';
  /** The format every native file of the package must have. */
  format: BinaryFormat;
}

/** Every target that gets a package with the local engine. */
export const ENGINE_TARGETS: readonly EngineTarget[] = [
  { target: 'linux-x64', platform: 'linux', arch: 'x64', prebuild: '@node-llama-cpp/linux-x64', binsDir: 'linux-x64', gpu: false, format: { container: 'elf', arch: 'x64' } },
  { target: 'linux-arm64', platform: 'linux', arch: 'arm64', prebuild: '@node-llama-cpp/linux-arm64', binsDir: 'linux-arm64', gpu: false, format: { container: 'elf', arch: 'arm64' } },
  { target: 'darwin-arm64', platform: 'darwin', arch: 'arm64', prebuild: '@node-llama-cpp/mac-arm64-metal', binsDir: 'mac-arm64-metal', gpu: 'metal', format: { container: 'macho', arch: 'arm64' } },
  { target: 'darwin-x64', platform: 'darwin', arch: 'x64', prebuild: '@node-llama-cpp/mac-x64', binsDir: 'mac-x64', gpu: false, format: { container: 'macho', arch: 'x64' } },
  { target: 'win32-x64', platform: 'win32', arch: 'x64', prebuild: '@node-llama-cpp/win-x64', binsDir: 'win-x64', gpu: false, format: { container: 'pe', arch: 'x64' } },
  { target: 'win32-arm64', platform: 'win32', arch: 'arm64', prebuild: '@node-llama-cpp/win-arm64', binsDir: 'win-arm64', gpu: false, format: { container: 'pe', arch: 'arm64' } },
];

/**
 * Platforms VS Code runs on that get no engine package, and why (said to the user by the universal package).
 * linux-armhf: node-llama-cpp 3.21.1's @node-llama-cpp/linux-armv7l holds AArch64 binaries, which a 32-bit ARM system cannot load.
 * Alpine: the prebuilds link against glibc (2.34 or newer); Alpine has musl.
 */
export const NO_ENGINE_REASON: Partial<Record<VsceTarget, string>> = {
  'linux-armhf': 'the llama.cpp prebuild for 32-bit ARM Linux is not usable (it holds 64-bit binaries)',
  'alpine-x64': 'the llama.cpp prebuilds need glibc, and Alpine Linux has musl',
  'alpine-arm64': 'the llama.cpp prebuilds need glibc, and Alpine Linux has musl',
};

/** VS Code's name for a Node platform and architecture (its target platform), or null where VS Code has none. */
export function vsceTargetOf(platform: string, arch: string, opts: { musl?: boolean } = {}): VsceTarget | null {
  const archName = arch === 'arm' ? 'armhf' : arch;
  if (platform === 'linux' && opts.musl) return arch === 'x64' || arch === 'arm64' ? (`alpine-${arch}` as VsceTarget) : null;
  const name = `${platform}-${archName}`;
  const known: VsceTarget[] = ['linux-x64', 'linux-arm64', 'linux-armhf', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
  return (known as string[]).includes(name) ? (name as VsceTarget) : null;
}

/** The engine target for a platform and architecture; undefined where no package carries the engine. */
export function engineTargetFor(platform: string, arch: string, opts: { musl?: boolean } = {}): EngineTarget | undefined {
  const t = vsceTargetOf(platform, arch, opts);
  return ENGINE_TARGETS.find((e) => e.target === t);
}

/** The package file name of a target, as `npm run package:all` writes it. */
export function packageFileName(target: VsceTarget): string {
  return `tqstar-${target}.vsix`;
}

let musl: boolean | undefined;

/** True on a Linux whose C library is musl (Alpine), read once from the running Node's diagnostic report. */
export function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  if (musl === undefined) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    musl = !header?.glibcVersionRuntime;
  }
  return musl;
}
