#!/usr/bin/env node
// The `tqstar` program: a few lines Node runs before it compiles the CLI bundle (cli-main.js, over a megabyte,
// which takes a noticeable moment on a busy machine). Ctrl-C during that moment ends the program with a
// message and exit code 130, as it does later, instead of the signal killing it silently.
'use strict';
function early() {
  process.stderr.write('tqstar: cancelled\n');
  process.exit(130);
}
process.on('SIGINT', early);
globalThis[Symbol.for('tqstar.cliEntry')] = true;
require('./cli-main.js');
// The bundle installed its own handler while it loaded (src/cli/sigint.ts); a Ctrl-C that came meanwhile goes to it.
process.off('SIGINT', early);
