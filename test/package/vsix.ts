// Owns building tqstar.vsix for tests: rebuilds only when a packaged input is newer, under a lock so
// the package test and the e2e tests (run in parallel by scripts/test.mjs) never package at once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const vsixPath = join(repoRoot, 'tqstar.vsix');
export const buildLogPath = join(repoRoot, '.cache', 'vsix-build.log');

const inputs = ['src', 'media', 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'scripts/build.mjs'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  // media/dist is build output, not an input.
  if (p.endsWith(join('media', 'dist'))) return 0;
  return Math.max(0, ...readdirSync(p).map((f) => newestMtime(join(p, f))));
}

export function vsixIsFresh(): boolean {
  if (!existsSync(vsixPath)) return false;
  const built = statSync(vsixPath).mtimeMs;
  return inputs.every((i) => newestMtime(join(repoRoot, i)) <= built);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `npm run package` unless tqstar.vsix is newer than every input; returns the vsix path. */
export async function ensureVsix(): Promise<string> {
  const lock = join(repoRoot, '.cache', 'vsix.lock');
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A lock older than the deadline belongs to a crashed run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && (Date.now() - held.mtimeMs > 5 * 60_000 || Date.now() > deadline)) { rmSync(lock, { recursive: true, force: true }); continue; }
      await sleep(500);
    }
  }
  try {
    if (!vsixIsFresh()) {
      const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8', timeout: 5 * 60_000 });
      if (r.status !== 0) throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
      // Kept so the package test can check the build that produced this .vsix printed no warning.
      writeFileSync(buildLogPath, `${r.stdout}\n${r.stderr}`);
    }
    return vsixPath;
  } finally {
    rmdirSync(lock);
  }
}
