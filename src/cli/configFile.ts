// Reads and validates a `--config FILE` into a RunConfig.
import { readFileSync } from 'node:fs';
import { loadRunConfig } from '../backends/index';
import type { RunConfig } from '../config/schema';
import { UsageError } from './args';

export function readConfigFile(path: string | undefined): RunConfig {
  if (!path) throw new UsageError('--config FILE is required');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return loadRunConfig(json);
}
