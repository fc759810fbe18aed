// Reads the CLI's input files (config, prompt) with a size limit: a huge or endless file is an error, not an out-of-memory abort.
import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from './args';

const MiB = 2 ** 20;
/** Documented in docs/reliability-and-security.md. */
export const FILE_LIMITS = { config: MiB, prompt: 4 * MiB } as const;

/**
 * The file as UTF-8 text, without a leading byte-order mark (Windows editors write one). Reads at
 * most `limit` + 1 bytes, so /dev/zero or a FIFO that never ends costs `limit` bytes, not all memory.
 */
export function readTextFile(path: string, what: keyof typeof FILE_LIMITS): string {
  const limit = FILE_LIMITS[what];
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const buf = Buffer.alloc(limit + 1);
  let n = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw new UsageError(`${what} file ${path} is larger than ${limit} bytes`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8', 0, n);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
