// Starts a real llama.cpp llama-server (built by scripts/build-llama-server.sh) on a GGUF model, bounded and killed after use.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The binary: $TQSTAR_LLAMA_SERVER, else where the build script puts it; undefined when not built. */
export function llamaServerBinary(): string | undefined {
  const fromEnv = process.env.TQSTAR_LLAMA_SERVER;
  const candidates = fromEnv ? [fromEnv] : [];
  if (!fromEnv) {
    try {
      candidates.push(execFileSync(join(ROOT, 'scripts', 'build-llama-server.sh'), ['--path'], { encoding: 'utf8', timeout: 20_000 }).trim().split('\n').pop()!);
    } catch {
      return undefined;
    }
  }
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* not built */
    }
  }
  return undefined;
}

/**
 * The model: the project's trained tiny SFT model when present, else a random-weight fixture. Random weights put
 * ~30% of the mass on lone UTF-8 bytes, which llama-server cannot answer as text (HTTP 500), so tests that sample
 * several tokens need the trained model (`trained`).
 */
export function llamaServerModel(): { path: string; trained: boolean } | undefined {
  const trained = join(ROOT, 'models', 'tiny', 'sft.gguf');
  // TQSTAR_LLAMA_MODEL=fixture runs the suite on the fixture even where the trained model exists.
  if (existsSync(trained) && process.env.TQSTAR_LLAMA_MODEL !== 'fixture') return { path: trained, trained: true };
  const fixture = join(ROOT, 'test', 'fixtures', 'gguf', 'random-a.gguf');
  if (existsSync(fixture)) return { path: fixture, trained: false };
  return undefined;
}

/** Why the suite cannot run here, or undefined when it can. */
export function llamaServerSkip(): string | undefined {
  if (!llamaServerBinary()) return 'no llama-server binary: run scripts/build-llama-server.sh (≈25 min, cached) or set TQSTAR_LLAMA_SERVER';
  if (!llamaServerModel()) return 'no GGUF model: models/tiny/sft.gguf or test/fixtures/gguf/random-a.gguf';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LlamaServer {
  url: string;
  model: string;
  slots: number;
  log(): string;
  close(): Promise<void>;
}

/** `llama-server -m M --host 127.0.0.1 --port P -c 4096 -np SLOTS -t 1`, ready when /health answers 200 (≤ 60 s). */
export async function startLlamaServer(model: string, slots = 8, extraArgs: string[] = []): Promise<LlamaServer> {
  const bin = llamaServerBinary();
  if (!bin) throw new Error('llama-server is not built');
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '4096', '-np', String(slots), '-t', '1', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`llama-server not healthy within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, model, slots, log: () => out, close };
}
