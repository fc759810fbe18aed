// Chooses how to start the engine's child on this machine: which node-llama-cpp prebuilt binary it will load (and that it is
// there and built for this platform), which executable runs it (desktop VS Code: Electron as Node), where, with what environment.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import * as nodePath from 'node:path';
import { HEADER_BYTES, describeBinary, matchesFormat, readBinaryInfo } from './binaryFormat';
import { NO_ENGINE_REASON, engineTargetFor, isMusl, packageFileName, vsceTargetOf, type EngineTarget } from './platforms';

/** What to do where there is no engine: the same words in every message. */
export const SERVER_ADVICE = 'set tqstar.base.baseUrl and tqstar.baseline.baseUrl to a llama-server, Ollama or vLLM server instead of a gguf file';

export interface HostFacts {
  platform: string;
  arch: string;
  musl?: boolean;
}

export interface FileAccess {
  exists(p: string): boolean;
  /** The file's first bytes (at most HEADER_BYTES). */
  head(p: string): Uint8Array;
}

export const realFiles: FileAccess = {
  exists: existsSync,
  head(p) {
    const fd = openSync(p, 'r');
    try {
      const b = Buffer.alloc(HEADER_BYTES);
      return b.subarray(0, readSync(fd, b, 0, HEADER_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  },
};

export type BinaryChoice = { ok: true; target: EngineTarget; addon: string } | { ok: false; reason: 'no-target' | 'not-installed' | 'wrong-binary'; message: string };

/** The nearest node_modules/<name> at or above `from` (as Node resolves a bare import from there). */
export function findPackageDir(name: string, from: string, files: Pick<FileAccess, 'exists'>, path: nodePath.PlatformPath = nodePath): string | null {
  for (let d = from; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', ...name.split('/'));
    if (files.exists(path.join(p, 'package.json'))) return p;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * The prebuilt llama.cpp binary the engine will load on `host`, looked up from `from` (the engine bundle's folder):
 * the target's prebuild package must be installed there and its addon must be a binary for this machine.
 */
export function chooseEngineBinary(host: HostFacts, from: string, files: FileAccess = realFiles, path: nodePath.PlatformPath = nodePath): BinaryChoice {
  const name = vsceTargetOf(host.platform, host.arch, { musl: host.musl });
  const shown = name ?? `${host.platform}-${host.arch}`;
  const target = engineTargetFor(host.platform, host.arch, { musl: host.musl });
  if (!target) {
    const why = (name && NO_ENGINE_REASON[name]) ?? 'no llama.cpp prebuild is made for it';
    return { ok: false, reason: 'no-target', message: `tqstar has no local engine for ${shown} (${why}): ${SERVER_ADVICE}` };
  }
  const dir = findPackageDir(target.prebuild, from, files, path);
  const addon = dir && path.join(dir, 'bins', target.binsDir, 'llama-addon.node');
  if (!addon || !files.exists(addon))
    return { ok: false, reason: 'not-installed', message: `this installation of tqstar has no local engine for ${shown}: install the ${shown} package of the extension (${packageFileName(target.target)}), or ${SERVER_ADVICE}` };
  const info = readBinaryInfo(files.head(addon));
  if (!info || !matchesFormat(info, target.format))
    return {
      ok: false,
      reason: 'wrong-binary',
      message: `the local engine in this installation is ${info ? `a ${describeBinary(info)} binary` : 'not a binary'} (${addon}), not the ${describeBinary(target.format)} this machine (${shown}) needs: install the ${shown} package of the extension (${packageFileName(target.target)})`,
    };
  return { ok: true, target, addon };
}

/** The running process's facts. */
export function thisHost(): HostFacts {
  return { platform: process.platform, arch: process.arch, musl: isMusl() };
}

export interface ChildCommand {
  command: string;
  args: string[];
  cwd: string;
  /** Added to the parent's environment. */
  env: Record<string, string>;
}

/**
 * The command line of the engine's child. `execPath` is the host's executable: Node under the CLI and code-server, Electron's
 * helper inside desktop VS Code (then ELECTRON_RUN_AS_NODE=1 makes it plain Node). Nothing goes through a shell, and the model
 * paths travel as JSON in the environment, never on the command line, so spaces, quotes and non-ASCII need no quoting on any platform.
 */
export function engineChildCommand(o: { execPath: string; electron: boolean; entry: string; typescript: boolean; path?: nodePath.PlatformPath }): ChildCommand {
  const path = o.path ?? nodePath;
  return {
    command: o.execPath,
    args: o.typescript ? ['--import', 'tsx', o.entry] : [o.entry],
    cwd: path.dirname(o.entry),
    env: {
      // With more than one libuv worker, concurrent sequences can read each other's logits (ENGINE.md, pitfall 1).
      UV_THREADPOOL_SIZE: '1',
      NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true',
      ...(o.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
    },
  };
}
