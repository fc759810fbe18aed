// Starting and stopping a reference server for the bench: in a child process (default) or in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/server/index';

export interface BenchServer {
  url: string;
  /** The server process's CPU ms so far (null when it shares this process). */
  cpuMs(): Promise<number | null>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./serverChild.ts', import.meta.url));

export async function startBenchServer(latency: string, inProcess: boolean): Promise<BenchServer> {
  if (inProcess) {
    const s = await startServer({ port: 0, latency, quiet: true });
    return { url: s.url, cpuMs: async () => null, close: () => s.close() };
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, latency], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench: the reference server did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`bench: the reference server exited (code ${code})`)));
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve((JSON.parse(l) as { url: string }).url);
    });
  });
  const waiting: Array<(ms: number) => void> = [];
  lines.on('line', (l) => {
    const msg = JSON.parse(l) as { cpuMs?: number };
    if (msg.cpuMs !== undefined) waiting.shift()?.(msg.cpuMs);
  });
  return {
    url,
    cpuMs: () =>
      new Promise<number>((resolve) => {
        waiting.push(resolve);
        child.stdin!.write('cpu\n');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}
