// The bounded read of a user's text file, shared by the CLI (--config, --prompt-file) and the eval
// (prompt sets, records read back to resume): a huge or endless file is an error, not an out-of-memory abort.
import { closeSync, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';

/** Why a file was not read: each caller words it (the texts are user-visible and differ per file kind). */
export type ReadRefusal =
  /** Not a regular file (only with `regularOnly`); `link`: the path is a symbolic link to such a thing. */
  | { why: 'not-regular'; link: boolean }
  | { why: 'too-large' }
  /** stat, open or read failed; `code` is the error's code (ENOENT, EISDIR…) or else its message. */
  | { why: 'unreadable'; error: unknown; code: string };

export interface BoundedReadOptions {
  /**
   * Refuse what is not a regular file (a directory, a FIFO, a device): checked on the path before it
   * is opened, so a FIFO is never opened (opening one blocks until a writer comes), and again on
   * what was opened, as the path may have changed between the two. Without it a FIFO or a device is
   * read like a file, up to the limit (so `--config <(…)` works).
   */
  regularOnly?: boolean;
}

/**
 * The file as UTF-8 text, without a leading byte-order mark (Windows editors write one). Reads at
 * most `limit` + 1 bytes, so /dev/zero or a FIFO that never ends costs `limit` bytes, not all
 * memory. Every failure is thrown as the Error `refuse` makes of it.
 */
export function readBoundedText(path: string, limit: number, refuse: (r: ReadRefusal) => Error, opts: BoundedReadOptions = {}): string {
  const check = (st: { isFile(): boolean; size: number }, link: () => boolean): void => {
    if (!st.isFile()) throw new Refused(refuse({ why: 'not-regular', link: link() }));
    if (st.size > limit) throw new Refused(refuse({ why: 'too-large' }));
  };
  let fd: number | undefined;
  try {
    if (opts.regularOnly) check(statSync(path), () => lstatSync(path).isSymbolicLink());
    fd = openSync(path, 'r');
    // A regular file's size sizes the buffer (it grows, up to limit + 1, should the file grow);
    // anything else may be endless: limit + 1 at once.
    let size = limit;
    if (opts.regularOnly) {
      const st = fstatSync(fd);
      check(st, () => false);
      size = st.size;
    }
    let buf = Buffer.alloc(Math.min(size, limit) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.alloc(Math.min(2 * buf.length, limit + 1));
        buf.copy(bigger);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw new Refused(refuse({ why: 'too-large' }));
    }
    const text = buf.toString('utf8', 0, n);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    if (e instanceof Refused) throw e.error;
    throw refuse({ why: 'unreadable', error: e, code: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A refusal on its way out of readBoundedText's try (so it is not taken for a failed read). */
class Refused {
  constructor(readonly error: Error) {}
}
