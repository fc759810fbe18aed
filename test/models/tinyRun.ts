// Runs one measurement job in tinyChild.ts (a child process with UV_THREADPOOL_SIZE=1) and returns its JSON result.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TinyJob } from './tinyChild';

export const ROOT = join(__dirname, '..', '..');
export const TINY = join(ROOT, 'models', 'tiny');
export const MANIFEST = join(TINY, 'manifest.json');

/** Why the tiny-model tests are skipped, or false when the trained GGUF files are all present. */
export function tinyMissing(): string | false {
  if (!existsSync(MANIFEST)) return `models/tiny/manifest.json is missing (run npm run models)`;
  const m = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { files: Record<string, unknown> };
  const gone = Object.keys(m.files).filter((f) => !existsSync(join(TINY, f)));
  return gone.length ? `models/tiny/${gone.join(', ')} missing (run npm run models)` : false;
}

export function runTiny<T>(job: TinyJob): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'tinyChild.ts')], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20,
    env: { ...process.env, UV_THREADPOOL_SIZE: '1', NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true', TINY_JOB: JSON.stringify(job) },
  });
  if (r.status !== 0) throw new Error(`tinyChild failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
