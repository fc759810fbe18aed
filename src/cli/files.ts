// Reads the CLI's input files (config, prompt) with a size limit: a huge or endless file is an error, not an out-of-memory abort.
import { readBoundedText } from '../files';
import { UsageError } from './args';

const MiB = 2 ** 20;
/** Documented in docs/reliability-and-security.md. */
export const FILE_LIMITS = { config: MiB, prompt: 4 * MiB } as const;

/**
 * The file as UTF-8 text, without a leading byte-order mark (Windows editors write one). Reads at
 * most `limit` + 1 bytes, so /dev/zero or a FIFO that never ends costs `limit` bytes, not all memory;
 * a FIFO is read like a file (so `--config <(…)` works).
 */
export function readTextFile(path: string, what: keyof typeof FILE_LIMITS): string {
  const limit = FILE_LIMITS[what];
  return readBoundedText(path, limit, (r) =>
    new UsageError(r.why === 'unreadable' ? `cannot read ${what} file ${path}: ${r.code}` : r.why === 'too-large' ? `${what} file ${path} is larger than ${limit} bytes` : `${what} file ${path} is not a regular file`),
  );
}
