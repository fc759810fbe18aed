// Starting and stopping a reference server for the bench: in a child process (default) or in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/server/index';
import { eosOffFront, WireBytes } from './wire';

/** The server process's CPU ms and bytes received/sent so far (cpuMs null when it shares this process). */
export interface ServerUsage {
  cpuMs: number | null;
  bytesIn: number;
  bytesOut: number;
}

export interface BenchServer {
  url: string;
  /** The same server behind a front that turns EOS off (see wire.ts). */
  eosOffUrl: string;
  usage(): Promise<ServerUsage>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./serverChild.ts', import.meta.url));
let inProcessBytes: WireBytes | undefined;

export async function startBenchServer(latency: string, inProcess: boolean): Promise<BenchServer> {
  if (inProcess) {
    // One counter per process (the diagnostics channel is global); rows run one at a time, so deltas stay per run.
    const bytes = (inProcessBytes ??= new WireBytes());
    const s = await startServer({ port: 0, latency, quiet: true });
    bytes.port = Number(new URL(s.url).port);
    const front = await eosOffFront(s.url);
    return {
      url: s.url,
      eosOffUrl: `${front.url}/noeos`,
      usage: async () => ({ cpuMs: null, bytesIn: bytes.in, bytesOut: bytes.out }),
      close: () => Promise.all([s.close(), front.close()]).then(() => undefined),
    };
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, latency], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<{ url: string; eosOffUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench: the reference server did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`bench: the reference server exited (code ${code})`)));
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(JSON.parse(l) as { url: string; eosOffUrl: string });
    });
  });
  const waiting: Array<(u: ServerUsage) => void> = [];
  lines.on('line', (l) => {
    const msg = JSON.parse(l) as Partial<ServerUsage>;
    if (msg.cpuMs !== undefined) waiting.shift()?.({ cpuMs: msg.cpuMs, bytesIn: msg.bytesIn ?? 0, bytesOut: msg.bytesOut ?? 0 });
  });
  return {
    url: first.url,
    eosOffUrl: first.eosOffUrl,
    usage: () =>
      new Promise<ServerUsage>((resolve) => {
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
