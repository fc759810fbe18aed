// The exit codes of `tqstar` (documented in docs/cli.md, Exit codes).
export const EXIT = {
  ok: 0,
  /** The run finished but a strategy ended with an error (its partial result was printed), or probe found problems. */
  runError: 1,
  /** Bad command line, unreadable or invalid config file. */
  usage: 2,
  /** A server could not be used before decoding started (unreachable, lacks a needed capability). */
  backend: 3,
  /** Cancelled with Ctrl-C (the partial result was printed). */
  cancelled: 130,
} as const;
