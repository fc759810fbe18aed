// Owns building tqstar.vsix and tqstar-linux-x64.vsix for tests: rebuilds only when a packaged input is newer,
// under a lock so the package tests and the e2e tests (run in parallel by scripts/test.mjs) never package at once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_TARGETS, packageFileName, type VsceTarget } from '../../src/engine/platforms';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const vsixPath = join(repoRoot, 'tqstar.vsix');
export const buildLogPath = join(repoRoot, '.cache', 'vsix-build.log');
/** The platform package: the universal one plus the local engine and the tiny models. */
export const linuxVsixPath = join(repoRoot, 'tqstar-linux-x64.vsix');
export const linuxBuildLogPath = join(repoRoot, '.cache', 'vsix-linux-x64-build.log');

const inputs = ['src', 'media', 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'scripts/build.mjs', 'scripts/packaged-readme.mjs'];
const linuxInputs = [...inputs.filter((i) => i !== '.vscodeignore'), 'models/tiny', 'scripts/package-targets.ts', 'test/package/platformCheck.ts'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  // media/dist is build output, not an input.
  if (p.endsWith(join('media', 'dist'))) return 0;
  return Math.max(0, ...readdirSync(p).map((f) => newestMtime(join(p, f))));
}

function isFresh(path: string, from: string[]): boolean {
  if (!existsSync(path)) return false;
  const built = statSync(path).mtimeMs;
  return from.every((i) => newestMtime(join(repoRoot, i)) <= built);
}

export function vsixIsFresh(): boolean {
  return isFresh(vsixPath, inputs);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `npm run package` unless tqstar.vsix is newer than every input; returns the vsix path. */
export function ensureVsix(): Promise<string> {
  return ensure(vsixPath, inputs, 'package', buildLogPath);
}

/** Runs `npm run package:linux-x64` unless tqstar-linux-x64.vsix is newer than every input. */
export function ensureLinuxVsix(): Promise<string> {
  return ensure(linuxVsixPath, linuxInputs, 'package:linux-x64', linuxBuildLogPath);
}

/** Every platform package (`npm run package:all`), rebuilt unless each is newer than every input; returns target → path. */
export async function ensureTargetVsixes(): Promise<Map<VsceTarget, string>> {
  const paths = new Map(ENGINE_TARGETS.map((t) => [t.target, join(repoRoot, packageFileName(t.target))]));
  await ensure([...paths.values()], [...linuxInputs, 'package-lock.json'], 'package:all', join(repoRoot, '.cache', 'vsix-all-build.log'), 15 * 60_000);
  return paths;
}

async function ensure(path: string | string[], from: string[], script: string, log: string, timeoutMs = 5 * 60_000): Promise<string> {
  const lock = join(repoRoot, '.cache', 'vsix.lock');
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  // Long enough to wait for the longest build (every platform package) another test may be running.
  const deadline = Date.now() + 16 * 60_000;
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A lock older than the longest build belongs to a crashed run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && (Date.now() - held.mtimeMs > 16 * 60_000 || Date.now() > deadline)) { rmSync(lock, { recursive: true, force: true }); continue; }
      await sleep(500);
    }
  }
  const paths = Array.isArray(path) ? path : [path];
  try {
    if (!paths.every((p) => isFresh(p, from))) {
      const r = spawnSync('npm', ['run', script], { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs });
      if (r.status !== 0) throw new Error(`npm run ${script} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
      // Kept so the package test can check the build that produced this .vsix printed no warning.
      writeFileSync(log, `${r.stdout}\n${r.stderr}`);
    }
    return paths[0]!;
  } finally {
    rmdirSync(lock);
  }
}
