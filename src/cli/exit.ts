// Leaving the process without losing output: exit only once stdout and stderr have handed everything to the OS.

/**
 * process.exit() right after a large write drops what a pipe has not taken yet (a pipe holds 64 KiB):
 * `tqstar decode --json | cat` got a cut document. An empty write's callback runs after every earlier
 * write has been flushed, so exiting there loses nothing, whoever reads and however slowly.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const s of [process.stdout, process.stderr]) {
    // A reader that went away (EPIPE: `| head`) ends the wait instead of crashing the exit.
    s.on('error', () => undefined);
    if (s.destroyed || !s.writable) done();
    else s.write('', done);
  }
}
