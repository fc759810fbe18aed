// Reads and validates a `--config FILE` into a RunConfig.
import { loadRunConfig } from '../backends/index';
import type { RunConfig } from '../config/schema';
import { UsageError } from './args';
import { readTextFile } from './files';

export function readConfigFile(path: string | undefined): RunConfig {
  if (!path) throw new UsageError('--config FILE is required');
  const text = readTextFile(path, 'config');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return loadRunConfig(json);
}
