// Entry point of the engine's child process: loads the GGUF models, serves them over HTTP, and dies with its parent.
// The parent starts it with UV_THREADPOOL_SIZE=1 (see spawn.ts), writes nothing to its stdin and keeps it open.
import { EngineLoadError, classifyLoadError } from './loadFailure';
import type { LoadOptions } from './localModel';
import { startEngine } from './start';

export interface ChildSpec {
  models: LoadOptions[];
  port?: number;
  host?: string;
  /** The llama.cpp build to load: the CPU one, or Metal on Apple silicon (the only prebuild there); default CPU. */
  gpu?: false | 'metal';
}

/** One JSON line on stdout: the parent waits for it. */
export type ChildMessage = { ready: true; url: string; models: unknown[] } | { ready: false; failure: { kind: string; file: string; message: string } };

function say(m: ChildMessage): void {
  process.stdout.write(JSON.stringify(m) + '\n');
}

function dieWithParent(): void {
  // Three signals, because each can be missed: stdin closes when the parent exits (pipes),
  // the parent can disappear without closing it (SIGKILL of a group leader), and then we are re-parented.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

async function main(): Promise<void> {
  dieWithParent();
  const spec = JSON.parse(process.env.TQSTAR_ENGINE_SPEC ?? '{}') as ChildSpec;
  // With more libuv workers concurrent sequences can read each other's logits (ENGINE.md, pitfall 1): refuse to serve wrong numbers.
  if (process.env.UV_THREADPOOL_SIZE !== '1') {
    say({ ready: false, failure: { kind: 'load', file: spec.models.map((m) => m.file).join(', '), message: 'the local engine must be started with UV_THREADPOOL_SIZE=1 (use startEngineProcess)' } });
    process.exit(1);
  }
  try {
    const engine = await startEngine(spec.models, { port: spec.port, host: spec.host, gpu: spec.gpu ?? false });
    say({ ready: true, url: engine.url, models: engine.models.map((m) => m.info) });
  } catch (e) {
    const failure = e instanceof EngineLoadError ? e.failure : classifyLoadError(spec.models.map((m) => m.file).join(', '), e);
    say({ ready: false, failure });
    process.exit(1);
  }
}

void main();
