// `tqstar probe`: each endpoint's capability report.
import { dirname, resolve } from 'node:path';
import { formatCapabilityReport, probeAll } from '../backends/index';
import { parseFlags } from './args';
import { readConfigFile } from './configFile';
import { EXIT } from './exitCodes';

export async function probeCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, { values: ['config'], switches: ['verbose'] });
  const config = readConfigFile(f.values.config);
  const log = f.switches.has('verbose') ? (l: { role: string; method: string; url: string; status: number | string; ms: number }) => process.stderr.write(`${l.role} ${l.method} ${l.url} ${l.status} ${l.ms}ms\n`) : undefined;
  const reports = await probeAll(config, { log, baseDir: dirname(resolve(f.values.config!)) });
  process.stdout.write(formatCapabilityReport(reports) + '\n');
  return reports.every((r) => r.ok) ? EXIT.ok : EXIT.runError;
}
