// `node --expose-gc --import tsx bench/clientCpu.ts`: the client's CPU per TQ* step without the bench's recorders, and the GC pauses inside it (profiling aid, not a test).
import { PerformanceObserver } from 'node:perf_hooks';
import { buildEnv, loadRunConfig } from '../src/backends/index';
import { decode, parseDecodingParams } from '../src/core/index';
import { demoRunConfig } from '../src/server/demoConfig';
import { noEos } from './noEos';
import { startBenchServer } from './server';
import { DEMO_PROMPTS } from './settings';

const HELP = `node --expose-gc --import tsx bench/clientCpu.ts [--tokens 16,64] [--repeats 2] [--in-process-server]

Decodes DEMO_PROMPTS[0] with TQ* (k = 10, N = 4, H = 20, α = 2, EOS off, as the bench's len rows) against the
reference server in a child process (clock off), after one 8-token warm-up decode, and prints this process's
CPU per step (user + system) and the GC pauses inside it. Add --cpu-prof to node's flags for a profile.`;

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) return console.log(HELP);
  const arg = (name: string, d: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1]! : d;
  };
  const lengths = arg('--tokens', '16,64').split(',').map(Number);
  const repeats = Number(arg('--repeats', '2'));
  const server = await startBenchServer('0', argv.includes('--in-process-server'));
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  try {
    const config = loadRunConfig(demoRunConfig(server.eosOffUrl));
    const built = await buildEnv(config);
    const env = { ...built.env, base: noEos(built.env.base), baseline: noEos(built.env.baseline) };
    const run = (n: number, seed: number) => decode('tqstar', { text: DEMO_PROMPTS[0]! }, env, parseDecodingParams({ topK: 10, rollouts: 4, horizon: 20, alpha: 2, maxTokens: n, seed }));
    await run(8, 99);
    for (const n of lengths) {
      for (let r = 0; r < repeats; r++) {
        (globalThis as { gc?: () => void }).gc?.();
        await new Promise((ok) => setTimeout(ok, 50));
        gcMs = 0;
        const c0 = process.cpuUsage();
        const res = await run(n, r);
        const c = process.cpuUsage(c0);
        await new Promise((ok) => setTimeout(ok, 0));
        const steps = res.steps.length;
        const ms = (c.user + c.system) / 1000;
        console.log(`${n} tokens, run ${r}: ${steps} steps, client CPU ${(ms / steps).toFixed(2)} ms/step (GC ${(gcMs / steps).toFixed(2)}), ${res.stats.requests ?? '?'} requests${res.error ? `, error: ${res.error.message}` : ''}`);
      }
    }
    built.dispose();
  } finally {
    obs.disconnect();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
