// Loads llama.cpp without downloads or builds, then the models, then the HTTP server: the engine in whatever process calls it.
import type { Llama } from 'node-llama-cpp';
import { startEngineServer, type EngineServer } from './httpServer';
import { recordLlamaLog } from './llamaLog';
import { LocalModel, type LoadOptions } from './localModel';

let llama: Promise<Llama> | null = null;

/**
 * node-llama-cpp is ESM only: a CommonJS bundle reaches it through a dynamic import. `gpu`: false loads the CPU prebuild;
 * 'metal' the Apple silicon one (node-llama-cpp has no CPU-only prebuild there). The first call's choice holds for the process.
 */
export function getLocalLlama(gpu: false | 'metal' = false): Promise<Llama> {
  llama ??= import('node-llama-cpp').catch((e: unknown) => {
    throw new Error(`node-llama-cpp is not installed beside this engine (the universal package has none; the platform packages do): ${e instanceof Error ? e.message : String(e)}`);
  }).then(({ getLlama, LlamaLogLevel }) =>
    // Only the prebuild the package carries: no GPU probing, no download, no compile at run time (ENGINE.md).
    getLlama({ gpu, build: 'never', usePrebuiltBinaries: true, skipDownload: true, logLevel: LlamaLogLevel.warn, logger: (level, message) => recordLlamaLog(level, message) }),
  );
  return llama;
}

export interface RunningEngine extends EngineServer {
  models: LocalModel[];
}

export async function startEngine(specs: LoadOptions[], opts: { port?: number; host?: string; gpu?: false | 'metal' } = {}): Promise<RunningEngine> {
  const l = await getLocalLlama(opts.gpu ?? false);
  const models: LocalModel[] = [];
  try {
    for (const s of specs) models.push(await LocalModel.load(l, s));
  } catch (e) {
    await Promise.all(models.map((m) => m.dispose()));
    throw e;
  }
  const server = await startEngineServer(models, opts);
  return {
    ...server,
    models,
    close: async () => {
      await server.close();
      await Promise.all(models.map((m) => m.dispose()));
    },
  };
}
