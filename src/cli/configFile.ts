// Reads and validates a `--config FILE` into a RunConfig.
import { loadRunConfig } from '../backends/index';
import { describeKeyEnvUse, keyEnvUses, withoutKeyEnvs, type KeyEnvUse } from '../config/keyEnv';
import type { RunConfig } from '../config/schema';
import { UsageError } from './args';
import { readTextFile } from './files';
import { terminalLine } from './terminalText';

/** The keys an exported run (the panel's Export JSON) adds to a RunConfig: its prompt, then what it gave. */
const EXPORT_KEYS = ['format', 'prompt', 'results', 'stats'];

/** Options for a file that may be a run exported elsewhere. */
export interface RunFileOptions {
  /** --allow-key-env: use the apiKeyEnv fields of an exported run. */
  allowKeyEnv?: boolean;
  /** Where the warnings about withheld keys go. */
  say?: (line: string) => void;
}

export function readConfigFile(path: string | undefined, opts: RunFileOptions = {}): RunConfig {
  return readRunFile(path, opts).config;
}

/**
 * A config file, or a run the extension exported (a config plus "prompt", "results", "stats"):
 * the config, and the exported prompt so that `tqstar decode --config exported.json` re-runs it.
 */
export function readRunFile(path: string | undefined, opts: RunFileOptions = {}): { config: RunConfig; prompt?: string; withheld: KeyEnvUse[] } {
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
    // An exported run is made for sharing: the environment variables it names as API keys are not read
    // (and so not sent to the servers it names) unless the user says so.
    const uses = keyEnvUses(rest);
    if (!uses.length || opts.allowKeyEnv) return { config: loadRunConfig(rest), prompt, withheld: [] };
    for (const u of uses) opts.say?.(`warning: ${terminalLine(`${path} is an exported run: its ${describeKeyEnvUse(u)}; not sent (pass --allow-key-env to send it)`)}`);
    return { config: loadRunConfig(withoutKeyEnvs(rest)), prompt, withheld: uses };
  }
  return { config: loadRunConfig(json), withheld: [] };
}
