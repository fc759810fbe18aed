// Ctrl-C from the CLI's first statement: main.ts imports this module first, so no start-up work runs without it.
import { exitWhenFlushed } from './exit';

/** True when running as the `tqstar` program (the bundle's entry), false when a test imports the modules. */
export const isCliEntry =
  (typeof require !== 'undefined' && require.main === module) ||
  process.env.TQSTAR_CLI_MAIN === '1' ||
  // dist/cli.js (src/cli/loader.cjs) loads the bundle and says so.
  (globalThis as Record<symbol, unknown>)[Symbol.for('tqstar.cliEntry')] === true;

/**
 * Before a command installs its own SIGINT handler (decode, demo and serve do), and while the
 * process is loading or reading its files, Ctrl-C ends it with exit code 130 and a message, instead
 * of the signal killing it silently. Once any other listener exists, this one leaves Ctrl-C to it.
 */
export function installEarlyInterrupt(): void {
  process.on('SIGINT', () => {
    if (process.listenerCount('SIGINT') > 1) return;
    process.stderr.write('tqstar: cancelled\n');
    exitWhenFlushed(130);
  });
}

if (isCliEntry) installEarlyInterrupt();
