// `npm run bench`: Transfer Q* decoded over HTTP against the reference server's latency model; prints a table and writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDecodingParams } from '../src/core/index';
import { parseLatency } from '../src/server/index';
import { affinityTable, benchAffinity, type AffinityRow } from './affinity';
import { aggregate, type RowResult } from './aggregate';
import { benchEngine, engineTable, type EngineRow } from './engine';
import { measureCompare, measureRow, type CompareMeasure, type RunMeasure } from './measure';
import { checkTargets, compareTable, table, targetsText } from './report';
import { startBenchServer } from './server';
import { DEMO_PROMPTS, rows as allRows, TABULAR_PROMPTS } from './settings';

const HELP = `npm run bench -- [--quick | --full | --tiny] [--only ID,ID] [--latency SPEC] [--out FILE] [--in-process-server] [--no-timing] [--cpu-replays N]

  --quick              (default) 8 demo prompts × 2 seeds, 4 tabular prompts × 8 seeds; timing on a subset (≈ 3–4 min on 2 cores)
  --full               8 × 4 and 4 × 32; timing on more prompts, the reference row timed at full length (≈ 8–10 min)
  --tiny               one prompt, one seed, tiny k/N/H (the smoke test)
  --only ID,...        rows whose id contains one of these (e.g. demo/fast,reference; replicas/affinity: the replica rows only)
  --latency SPEC       the server's latency model (default vllm-8b; e.g. "vllm-8b,step=25,request=8"); see bench/README.md
  --out FILE           where to write the JSON (default bench/results.json)
  --in-process-server  run the server in this process (then CPU figures include it)
  --no-timing          skip the timed pass (no wall time / critical path)
  --cpu-replays N      replays per run for the decoder's CPU (default 3)
  --no-engine          skip the local-engine rows (a real TQ* step on the tiny GGUF models, CPU wall time)`;

interface Mode {
  demo: { prompts: string[]; seeds: number[] };
  tabular: { prompts: string[]; seeds: number[] };
  /** Timed pass: prompts per world, and the reference row's prompts and token cap (it is slow by design). */
  timed: { demo: number; tabular: number; refDemo: number; refTabular: number; refCap: number | null };
  override?: Record<string, unknown>;
  /** Local-engine rows: TQ* steps per run and runs. */
  engine: { steps: number; repeats: number };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const MODES: Record<string, Mode> = {
  quick: { demo: { prompts: DEMO_PROMPTS, seeds: range(2) }, tabular: { prompts: TABULAR_PROMPTS, seeds: range(8) }, timed: { demo: 2, tabular: 2, refDemo: 1, refTabular: 1, refCap: 6 }, engine: { steps: 8, repeats: 2 } },
  full: { demo: { prompts: DEMO_PROMPTS, seeds: range(4) }, tabular: { prompts: TABULAR_PROMPTS, seeds: range(32) }, timed: { demo: 4, tabular: 4, refDemo: 2, refTabular: 2, refCap: null }, engine: { steps: 16, repeats: 4 } },
  tiny: {
    demo: { prompts: DEMO_PROMPTS.slice(0, 1), seeds: [0] },
    tabular: { prompts: TABULAR_PROMPTS.slice(0, 1), seeds: [0] },
    timed: { demo: 1, tabular: 1, refDemo: 1, refTabular: 1, refCap: 2 },
    override: { topK: 3, rollouts: 2, horizon: 3, maxTokens: 3 },
    engine: { steps: 2, repeats: 1 },
  },
};

function parseArgs(argv: string[]) {
  const a = { mode: 'quick', only: [] as string[], latency: 'vllm-8b', out: fileURLToPath(new URL('./results.json', import.meta.url)), inProcess: false, timing: true, cpuReplays: 3, engine: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${x} needs a value`);
      return v;
    };
    if (x === '--quick' || x === '--full' || x === '--tiny') a.mode = x.slice(2);
    else if (x === '--only') a.only = val().split(',').filter(Boolean);
    else if (x === '--latency') a.latency = val();
    else if (x === '--out') a.out = val();
    else if (x === '--in-process-server') a.inProcess = true;
    else if (x === '--no-timing') a.timing = false;
    else if (x === '--cpu-replays') a.cpuReplays = Number(val());
    else if (x === '--no-engine') a.engine = false;
    else if (x === '--help' || x === '-h') {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown argument ${x}\n${HELP}`);
  }
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mode = MODES[args.mode]!;
  const latency = parseLatency(args.latency);
  const selected = allRows().filter((r) => !args.only.length || args.only.some((s) => r.id.includes(s)));
  const t0 = performance.now();
  // Quality and counts come from a server without the clock (same answers, same requests, fast);
  // wall time and critical path from a second server that sleeps by the latency model.
  const fastServer = await startBenchServer('0', args.inProcess);
  const timedServer = args.timing ? await startBenchServer(args.latency, args.inProcess) : null;
  const results: RowResult[] = [];
  const compares: Array<{ id: string; label: string } & CompareMeasure> = [];
  try {
    for (const row of selected) {
      const p = parseDecodingParams({ ...row.decoding, ...mode.override });
      if (row.strategies) {
        if (!timedServer) continue;
        const rt = performance.now();
        compares.push({ id: row.id, label: row.label, ...(await measureCompare(row, timedServer, p, DEMO_PROMPTS[0]!)) });
        console.error(`bench: ${row.id} done in ${((performance.now() - rt) / 1000).toFixed(1)} s`);
        continue;
      }
      const full = mode[row.world];
      // Long rows run fewer prompts and seeds (but never more than the mode's).
      const set = row.limit ? { prompts: full.prompts.slice(0, row.limit.prompts), seeds: full.seeds.slice(0, row.limit.seeds) } : full;
      // Each row starts from a collected heap, so that its peak RSS is not the previous row's garbage (needs --expose-gc).
      (globalThis as { gc?: () => void }).gc?.();
      const rt = performance.now();
      const quality = await measureRow(row, fastServer, p, { prompts: set.prompts, seeds: set.seeds, cpuReplays: args.cpuReplays });
      let timed: RunMeasure[] | null = null;
      const cap = row.naive ? mode.timed.refCap : null;
      if (timedServer) {
        const n = row.limit ? Math.min(row.limit.timed, mode.timed[row.world]) : row.naive ? (row.world === 'demo' ? mode.timed.refDemo : mode.timed.refTabular) : mode.timed[row.world];
        if (n > 0) timed = await measureRow(row, timedServer, p, { prompts: set.prompts.slice(0, n), seeds: [0], cpuReplays: 0, keepSchedule: true, ...(cap ? { maxTokens: cap } : {}) });
      }
      const res = aggregate(row, p, quality, timed, latency, cap);
      results.push(res);
      console.error(`bench: ${row.id} done in ${((performance.now() - rt) / 1000).toFixed(1)} s${res.errors.length ? ` — ${res.errors.length} errors: ${res.errors[0]}` : ''}`);
    }
  } finally {
    await Promise.all([fastServer.close(), timedServer?.close()]);
  }
  // Replica affinity (its own servers: 4 replicas with per-replica prefix caches under the latency model).
  let replicas: AffinityRow[] | null = null;
  if (args.timing && (!args.only.length || args.only.some((s) => 'replicas/affinity'.includes(s)))) {
    const at = performance.now();
    replicas = await benchAffinity(args.latency, args.mode === 'tiny' ? { maxTokens: 3 } : {});
    console.error(`bench: replicas/affinity done in ${((performance.now() - at) / 1000).toFixed(1)} s`);
  }
  let engine: EngineRow[] | null = null;
  if (args.engine && !(args.only.length && args.only.every((s) => 'replicas/affinity'.includes(s)))) {
    const et = performance.now();
    engine = await benchEngine(mode.engine);
    console.error(`bench: engine rows done in ${((performance.now() - et) / 1000).toFixed(1)} s`);
  }
  const targets = checkTargets(results, compares);
  console.log(table(results));
  if (compares.length) console.log('\n' + compareTable(compares));
  console.log('');
  console.log(targetsText(targets));
  if (replicas) console.log(`\nReplicas (8 concurrent TQ* decodes, 4 replicas, per-replica prefix caches, latency ${args.latency}):\n${affinityTable(replicas)}`);
  if (engine) console.log(`\nLocal engine (real time on this machine):\n${engineTable(engine)}`);
  const doc = {
    generated: new Date().toISOString(),
    mode: args.mode,
    latency: { spec: args.latency, ...latency },
    server: args.inProcess ? 'in-process' : 'child process',
    machine: { node: process.version, platform: process.platform, arch: process.arch },
    totalSeconds: (performance.now() - t0) / 1000,
    rows: results,
    compares,
    targets,
    engine,
    replicas: replicas?.map(({ texts: _texts, ...r }) => r) ?? null,
  };
  writeFileSync(args.out, JSON.stringify(doc, null, 2) + '\n');
  console.log(`\nwrote ${args.out} (${doc.totalSeconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
