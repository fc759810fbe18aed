// The `tqstar` command line: serve, probe, decode, demo, eval (bundled to dist/cli.js).
// First import: Ctrl-C is handled before any other module of the bundle runs.
import { isCliEntry } from './sigint';
import { TqError } from '../core/errors';
import { UsageError } from './args';
import { decodeCommand } from './decode';
import { demoCommand } from './demo';
import { exitWhenFlushed } from './exit';
import { EXIT } from './exitCodes';
import { evalCommand } from './eval';
import { HELP } from './help';
import { probeCommand } from './probe';
import { serveCommand } from './serve';
import { errorText, terminalLine, terminalText } from './terminalText';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  probe: probeCommand,
  decode: decodeCommand,
  demo: demoCommand,
  eval: evalCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP.main + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`tqstar: unknown command "${name}"\n\n${HELP.main}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP[name] + '\n');
    return EXIT.ok;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tqstar ${name}: ${e.message}\n(see tqstar ${name} --help)\n`);
      return EXIT.usage;
    }
    if (e instanceof TqError) {
      process.stderr.write(`tqstar ${name}: ${e.kind} error: ${errorText(e)}${e.setting ? `\n  setting: ${terminalLine(e.setting)}` : ''}\n`);
      return e.kind === 'config' ? EXIT.usage : e.kind === 'aborted' ? EXIT.cancelled : EXIT.backend;
    }
    throw e;
  }
}

// Run only as the entry point, so tests can import main() without side effects.
if (isCliEntry) {
  main(process.argv.slice(2)).then(
    (code) => exitWhenFlushed(code),
    (e) => {
      process.stderr.write(`tqstar: internal error: ${terminalText(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
      exitWhenFlushed(EXIT.runError);
    },
  );
}
