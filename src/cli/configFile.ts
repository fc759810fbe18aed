// Reads and validates a `--config FILE` into a RunConfig.
import { loadRunConfig } from '../backends/index';
import type { RunConfig } from '../config/schema';
import { UsageError } from './args';
import { readTextFile } from './files';

/** The keys an exported run (the panel's Export JSON) adds to a RunConfig: its prompt, then what it gave. */
const EXPORT_KEYS = ['format', 'prompt', 'results', 'stats'];

export function readConfigFile(path: string | undefined): RunConfig {
  return readRunFile(path).config;
}

/**
 * A config file, or a run the extension exported (a config plus "prompt", "results", "stats"):
 * the config, and the exported prompt so that `tqstar decode --config exported.json` re-runs it.
 */
export function readRunFile(path: string | undefined): { config: RunConfig; prompt?: string } {
  if (!path) throw new UsageError('--config FILE is required');
  const text = readTextFile(path, 'config');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && 'prompt' in json) {
    const { prompt, ...rest } = json as Record<string, unknown>;
    for (const k of EXPORT_KEYS) delete rest[k];
    if (typeof prompt !== 'string') throw new UsageError(`config file ${path}: "prompt" must be a string`);
    return { config: loadRunConfig(rest), prompt };
  }
  return { config: loadRunConfig(json) };
}
