// A stand-in engine child for tests: the real engine (start.ts) behind a small proxy that kills its own process with a signal
// (TQSTAR_CRASH_SIGNAL, default SIGSEGV) on the first completions request after the marker file TQSTAR_CRASH_MARKER appears,
// as a native crash in llama.cpp would. Spoken to exactly as the engine's own child (spawn.ts).
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildSpec } from '../../../src/engine/child';
import { startEngine } from '../../../src/engine/start';

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const spec = JSON.parse(process.env.TQSTAR_ENGINE_SPEC ?? '{}') as ChildSpec;
const marker = process.env.TQSTAR_CRASH_MARKER;
const signal = (process.env.TQSTAR_CRASH_SIGNAL ?? 'SIGSEGV') as NodeJS.Signals;

async function main(): Promise<void> {
  const engine = await startEngine(spec.models, { gpu: spec.gpu ?? false });
  const target = new URL(engine.url);
  const proxy = createServer((req, res) => {
    if (marker && existsSync(marker) && req.url?.startsWith('/v1/completions')) {
      unlinkSync(marker);
      process.kill(process.pid, signal);
      return;
    }
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    process.stdout.write(JSON.stringify({ ready: true, url, models: engine.models.map((m) => m.info) }) + '\n');
  });
}

void main();
