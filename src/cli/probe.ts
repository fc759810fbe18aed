// `tqstar probe`: each endpoint's capability report.
import { dirname, resolve } from 'node:path';
import { formatCapabilityReport, probeAll } from '../backends/index';
import { parseFlags } from './args';
import { readConfigFile } from './configFile';
import { EXIT } from './exitCodes';
import { terminalLine, terminalText } from './terminalText';

export async function probeCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, { values: ['config'], switches: ['verbose', 'allow-key-env'] });
  const config = readConfigFile(f.values.config, { allowKeyEnv: f.switches.has('allow-key-env'), say: (l) => process.stderr.write(l + '\n') });
  const log = f.switches.has('verbose') ? (l: { role: string; method: string; url: string; status: number | string; ms: number }) => process.stderr.write(`${terminalLine(`${l.role} ${l.method} ${l.url} ${l.status} ${l.ms}ms`)}\n`) : undefined;
  const reports = await probeAll(config, { log, baseDir: dirname(resolve(f.values.config!)) });
  // Model names and error texts in the report come from the servers.
  process.stdout.write(terminalText(formatCapabilityReport(reports)) + '\n');
  return reports.every((r) => r.ok) ? EXIT.ok : EXIT.runError;
}
