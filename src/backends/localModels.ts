// Turns `gguf` model settings into HTTP endpoints of a local engine (started or reused), checking the files and their tokenizers first.
import type { ModelEndpoint, ModelSetting, RunConfig } from '../config/schema';
import { TqError } from '../core/errors';
import { EngineLoadError } from '../engine/loadFailure';
import type { ErrorInfo } from '../core/events';
import { crashMessage, resolveModelPath, type EnginePool } from '../engine/pool';

/** The settings with every model as an HTTP endpoint; `localFiles`: the roles a local engine serves, and their files. */
export type EndpointConfig = Omit<RunConfig, 'base' | 'baseline'> & { base: ModelEndpoint; baseline: ModelEndpoint; localFiles?: Partial<Record<(typeof ROLES)[number], string>> };

const ROLES = ['base', 'baseline'] as const;

function asEndpoint(cfg: ModelSetting): ModelEndpoint {
  const { gguf: _gguf, baseUrl, model, ...rest } = cfg;
  // The schema guarantees both when gguf is absent.
  return { ...rest, baseUrl: baseUrl!, model: model! };
}

export async function serveLocalModels(settings: RunConfig, pool: EnginePool, baseDir: string | undefined): Promise<EndpointConfig> {
  const files = new Map<(typeof ROLES)[number], string>();
  for (const role of ROLES) {
    const g = settings[role].gguf;
    if (g !== undefined) files.set(role, resolveModelPath(g, baseDir));
  }
  if (files.size === 0) return { ...settings, base: asEndpoint(settings.base), baseline: asEndpoint(settings.baseline) };
  // The failing file is one of ours, or (a failure of the whole engine) several joined with ", ": match whole paths, never substrings.
  const roleOf = (file: string) => [...files].find(([, f]) => f === file)?.[0] ?? [...files].find(([, f]) => file.split(', ').includes(f))?.[0];
  const settingOf = (file: string) => `tqstar.${roleOf(file) ?? files.keys().next().value}.gguf`;
  let served;
  try {
    served = await pool.serve([...files.values()]);
  } catch (e) {
    if (!(e instanceof EngineLoadError)) throw e;
    const setting = settingOf(e.failure.file);
    throw new TqError('config', `${e.failure.message} (${setting})`, { setting, cause: e });
  }
  const out = { ...settings, base: asEndpoint(settings.base), baseline: asEndpoint(settings.baseline), localFiles: Object.fromEntries(files) } as EndpointConfig;
  for (const [role, file] of files) {
    const s = served.served.get(file)!;
    // The engine speaks the vLLM dialect and knows EOS from the file's metadata: no probing needed.
    out[role] = {
      ...asEndpoint({ ...settings[role], baseUrl: `${served.url}/v1`, model: s.name }),
      dialect: 'vllm',
      ...(settings[role].eosTokenId === undefined && s.info.eosId !== null ? { eosTokenId: s.info.eosId } : {}),
    };
  }
  const [a, b] = [files.get('base'), files.get('baseline')];
  if (a && b) {
    const [ia, ib] = [served.served.get(a)!.info, served.served.get(b)!.info];
    if (ia.vocabHash !== ib.vocabHash)
      throw new TqError(
        'config',
        `base ${a} and baseline ${b} have different tokenizers (vocabularies of ${ia.vocabSize} and ${ib.vocabSize} tokens${ia.vocabSize === ib.vocabSize ? ' that differ' : ''}): Transfer Q* compares their log-probabilities token by token, so both must share one tokenizer (tqstar.baseline.gguf)`,
        { setting: 'tqstar.baseline.gguf' },
      );
  }
  return out;
}

/**
 * A request that failed because the local engine behind it died, reported as that crash: the model files and the `gguf`
 * setting (null for any other failure). `waitMs`: how long to wait for the child's exit to be noticed (EnginePool.crashBehind).
 */
export async function engineCrashError(engines: EnginePool, error: { url?: string; message?: string }, settings: RunConfig, opts: { waitMs?: number; nextRun?: boolean } = {}): Promise<ErrorInfo | null> {
  const crash = await engines.crashBehind(error, opts.waitMs);
  if (!crash) return null;
  return { kind: 'connection', message: crashMessage(crash, { nextRun: opts.nextRun }), url: crash.url, setting: settings.base.gguf ? 'tqstar.base.gguf' : 'tqstar.baseline.gguf' };
}
