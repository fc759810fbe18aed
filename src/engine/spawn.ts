// Starts the engine in a child process (UV_THREADPOOL_SIZE=1, the host's own executable run as Node) and waits for its URL;
// the child dies with us, and its death afterwards (a native crash) is reported through `exited`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildMessage, ChildSpec } from './child';
import { chooseEngineBinary, engineChildCommand, thisHost, type HostFacts } from './launcher';
import { EngineLoadError, type LoadFailure } from './loadFailure';
import type { LoadOptions, ModelInfo } from './localModel';

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when close() asked for it; false for a crash or a kill from outside. */
  requested: boolean;
  /** The child's last lines on stderr. */
  stderr: string[];
}

export interface EngineProcess {
  /** Root URL; the OpenAI base URL is url + '/v1'. */
  url: string;
  models: ModelInfo[];
  pid: number;
  /** Settles when the child has exited, for whatever reason. */
  exited: Promise<EngineExit>;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
  timeoutMs?: number;
  /** The executable that runs the child (default: this process's; inside desktop VS Code that is Electron's helper). */
  execPath?: string;
  /** Whether `execPath` is Electron (default: this process runs in Electron). */
  electron?: boolean;
  /** Another child entry (a module run under tsx) in place of the engine's own; tests use it for stand-in engines. */
  entry?: string;
  /** The platform to choose the llama.cpp binary for (default: this machine). */
  hostFacts?: HostFacts;
}

const here = typeof __dirname !== 'undefined' ? __dirname : process.cwd();

/** The child entry: the bundle beside this one (dist/engine.mjs), or the TypeScript source under tsx (tests, bench). */
function childEntry(): { entry: string; typescript: boolean } {
  if (typeof __filename !== 'undefined' && __filename.endsWith('.ts')) return { entry: join(here, 'child.ts'), typescript: true };
  return { entry: join(here, 'engine.mjs'), typescript: false };
}

export async function startEngineProcess(models: LoadOptions[], opts: StartOptions = {}): Promise<EngineProcess> {
  const files = models.map((m) => m.file).join(', ');
  const own = childEntry();
  const { entry, typescript } = opts.entry ? { entry: opts.entry, typescript: true } : own;
  // The prebuilt llama.cpp binary for this platform must be installed beside the engine (the platform packages carry it).
  const binary = chooseEngineBinary(opts.hostFacts ?? thisHost(), dirname(own.entry));
  if (!binary.ok) throw new EngineLoadError({ kind: 'load', file: files, message: `${files}: ${binary.message}` });
  if (!existsSync(entry))
    throw new EngineLoadError({ kind: 'load', file: files, message: `${files}: this installation of tqstar has no local engine (${entry} is missing): build it from a source checkout (npm run build)` });
  // The child runs in its bundle's folder: it must get absolute paths.
  const spec: ChildSpec = { models: models.map((m) => ({ ...m, file: resolve(m.file) })), port: opts.port, host: opts.host, gpu: binary.target.gpu };
  const cmd = engineChildCommand({ execPath: opts.execPath ?? process.execPath, electron: opts.electron ?? !!process.versions.electron, entry, typescript });
  const child: ChildProcess = spawn(cmd.command, cmd.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...cmd.env, TQSTAR_ENGINE_SPEC: JSON.stringify(spec) },
    cwd: cmd.cwd,
    shell: false,
    // No console window flashing up on Windows.
    windowsHide: true,
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
  let requested = false;
  const exited = new Promise<EngineExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, requested, stderr: stderr.slice(-8) });
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  if (!msg.ready) {
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    throw new EngineLoadError(msg.failure as LoadFailure);
  }
  let closing: Promise<void> | null = null;
  return {
    url: msg.url,
    models: msg.models as ModelInfo[],
    pid: child.pid!,
    exited,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        requested = true;
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
