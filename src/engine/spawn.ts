// Starts the engine in a child process (UV_THREADPOOL_SIZE=1, the host's own Node) and waits for its URL; the child dies with us.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildMessage, ChildSpec } from './child';
import { EngineLoadError, type LoadFailure } from './loadFailure';
import type { LoadOptions, ModelInfo } from './localModel';

export interface EngineProcess {
  /** Root URL; the OpenAI base URL is url + '/v1'. */
  url: string;
  models: ModelInfo[];
  pid: number;
  close(): Promise<void>;
}

const here = typeof __dirname !== 'undefined' ? __dirname : process.cwd();

/** How to run the child entry: the bundle beside this one (dist/engine.mjs), or the TypeScript source under tsx (tests, bench). */
function childCommand(): { args: string[]; missing?: string } {
  if (typeof __filename !== 'undefined' && __filename.endsWith('.ts')) return { args: ['--import', 'tsx', join(here, 'child.ts')] };
  const bundle = join(here, 'engine.mjs');
  if (!existsSync(bundle)) return { args: [], missing: bundle };
  return { args: [bundle] };
}

export async function startEngineProcess(models: LoadOptions[], opts: { port?: number; host?: string; timeoutMs?: number } = {}): Promise<EngineProcess> {
  // The child runs in its bundle's folder: it must get absolute paths.
  const spec: ChildSpec = { models: models.map((m) => ({ ...m, file: resolve(m.file) })), port: opts.port, host: opts.host };
  const { args, missing } = childCommand();
  const files = models.map((m) => m.file).join(', ');
  if (missing)
    throw new EngineLoadError({
      kind: 'load',
      file: files,
      message: `${files}: this installation of tqstar has no local engine (${missing} is missing): install the linux-x64 package of the extension, or build from a source checkout (npm run build)`,
    });
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // With more than one libuv worker, concurrent sequences can read each other's logits (ENGINE.md, pitfall 1).
      UV_THREADPOOL_SIZE: '1',
      NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true',
      TQSTAR_ENGINE_SPEC: JSON.stringify(spec),
      // Inside VS Code the host's executable is Electron: run it as plain Node.
      ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
    },
    cwd: dirname(args[args.length - 1]!),
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    if (stderr.length > 40) stderr.shift();
  });
  const lines = createInterface({ input: child.stdout! });
  const msg = await new Promise<ChildMessage>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EngineLoadError({ kind: 'load', file: files, message: `${files}: the local engine did not start within ${(opts.timeoutMs ?? 120_000) / 1000} s` }));
    }, opts.timeoutMs ?? 120_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new EngineLoadError({ kind: 'load', file: files, message: `the local engine could not be started: ${e.message}` }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const tail = stderr.slice(-8).join('\n');
      // A child killed while loading (the kernel's OOM killer sends SIGKILL) ran out of memory.
      const kind: LoadFailure['kind'] = signal === 'SIGKILL' ? 'memory' : 'load';
      reject(new EngineLoadError({ kind, file: files, message: `${files}: the local engine exited while loading (${signal ?? `code ${code}`})${tail ? `:\n${tail}` : ''}` }));
    });
    lines.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(l) as ChildMessage);
      } catch {
        reject(new EngineLoadError({ kind: 'load', file: files, message: `the local engine printed ${JSON.stringify(l.slice(0, 200))} instead of its address` }));
      }
    });
  });
  child.removeAllListeners('exit');
  if (!msg.ready) {
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    throw new EngineLoadError(msg.failure as LoadFailure);
  }
  let closing: Promise<void> | null = null;
  return {
    url: msg.url,
    models: msg.models as ModelInfo[],
    pid: child.pid!,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        // Closing stdin is the child's signal to exit; SIGTERM in case it is busy in native code.
        child.stdin!.end();
        child.kill('SIGTERM');
      })),
  };
}
