// Replica affinity in the bench: 8 concurrent TQ* decodes against 4 replicas of the reference server, each with its own
// prefix cache under the latency model, routed by least-outstanding dispatch and by prefix affinity. Reported: prompt
// tokens the replicas prefilled (computed, not cached), the critical path of the recorded schedule (each request costed
// as the replica that served it did, with its cache as it stood), wall time, and that both routings decoded the same text.
import { buildEnv, loadRunConfig } from '../src/backends/index';
import { runStrategies } from '../src/core/index';
import { demoRunConfig } from '../src/server/demoConfig';
import { isolatedRequestMs, parseLatency, startServer, type LatencyOptions, type RequestRecord } from '../src/server/index';
import { DEMO_PROMPTS } from './settings';

export interface AffinityRow {
  routing: 'least-outstanding' | 'affinity';
  replicas: number;
  decodes: number;
  /** Prompt tokens the model engines prefilled (not served from their prefix caches), summed over replicas. */
  prefillTokens: number;
  cachedTokens: number;
  /** The recorded schedule's critical path under the latency model (ms). */
  criticalPathMs: number;
  wallMs: number;
  requests: number;
  texts: string[];
}

/** The critical path of requests logged by several servers on one clock: each waits for every request finished when it was sent. */
function criticalPath(latency: LatencyOptions, log: RequestRecord[]): number {
  type Ev = { t: number; end: boolean; i: number };
  const evs: Ev[] = log.flatMap((r, i) => [
    { t: r.startMs, end: false, i },
    { t: r.endMs, end: true, i },
  ]);
  evs.sort((a, b) => a.t - b.t || Number(b.end) - Number(a.end));
  const finish = new Float64Array(log.length);
  let done = 0;
  let longest = 0;
  for (const ev of evs) {
    if (ev.end) done = Math.max(done, finish[ev.i]!);
    else longest = Math.max(longest, (finish[ev.i] = done + isolatedRequestMs(latency, log[ev.i]!.sequences)));
  }
  return longest;
}

export async function benchAffinity(latencySpec: string, opts: { replicas?: number; decodes?: number; maxTokens?: number } = {}): Promise<AffinityRow[]> {
  const latency = parseLatency(latencySpec);
  const R = opts.replicas ?? 4;
  const D = opts.decodes ?? 8;
  // Prompts of 40-odd tokens, different from the first token on: vLLM caches whole 16-token blocks, so the demo's
  // four-token prompts alone would leave nothing to cache (a chat template or a system prompt is longer still).
  const prompts = Array.from({ length: D }, (_, i) => {
    const others = DEMO_PROMPTS.filter((_, j) => j !== i % DEMO_PROMPTS.length);
    const rot = others.slice(i % others.length).concat(others.slice(0, i % others.length));
    return `${rot.map((p) => `${p} good.`).join(' ')} ${DEMO_PROMPTS[i % DEMO_PROMPTS.length]!}`;
  });
  const rows: AffinityRow[] = [];
  for (const routing of ['least-outstanding', 'affinity'] as const) {
    const servers = await Promise.all(Array.from({ length: R }, () => startServer({ port: 0, quiet: true, latency: latencySpec, logRequests: 100_000 })));
    try {
      const urls = servers.map((s) => `${s.url}/v1`);
      const demo = demoRunConfig(servers[0]!.url);
      const cfg = loadRunConfig({
        ...demo,
        base: { ...demo.base!, baseUrl: urls },
        baseline: { ...demo.baseline!, baseUrl: urls },
        decoding: { ...demo.decoding, topK: 8, rollouts: 4, horizon: 8, maxTokens: opts.maxTokens ?? 8 },
      });
      const built = await buildEnv(cfg, { routing });
      const t0 = performance.now();
      const runs = await Promise.all(prompts.map((text, i) => runStrategies(['tqstar'], { text }, built.env, { ...cfg.decoding, seed: i })));
      const wallMs = performance.now() - t0;
      await built.dispose();
      const engines = servers.flatMap((s) => ['demo-base', 'demo-aligned'].map((m) => s.stats().engines[m]).filter((e) => e !== undefined));
      const log = servers.flatMap((s) => s.stats().log);
      rows.push({
        routing,
        replicas: R,
        decodes: D,
        prefillTokens: engines.reduce((n, e) => n + e.prefillTokens, 0),
        cachedTokens: engines.reduce((n, e) => n + e.cachedTokens, 0),
        criticalPathMs: criticalPath(latency, log),
        wallMs,
        requests: runs.reduce((n, r) => n + r.stats.requests, 0),
        texts: runs.map((r) => r.results[0]!.text),
      });
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }
  return rows;
}

export function affinityTable(rows: AffinityRow[]): string {
  const head = 'routing              replicas  decodes  prefill tokens  cached tokens  critical path  wall time  requests';
  const lines = rows.map(
    (r) =>
      `${r.routing.padEnd(19)}  ${String(r.replicas).padStart(8)}  ${String(r.decodes).padStart(7)}  ${String(r.prefillTokens).padStart(14)}  ${String(r.cachedTokens).padStart(13)}  ${`${(r.criticalPathMs / 1000).toFixed(2)} s`.padStart(13)}  ${`${(r.wallMs / 1000).toFixed(2)} s`.padStart(9)}  ${String(r.requests).padStart(8)}`,
  );
  const [a, b] = rows;
  const same = a && b && a.texts.every((t, i) => t === b.texts[i]) ? 'same texts under both routings' : 'TEXTS DIFFER between routings';
  const gain = a && b ? `affinity: ${(a.prefillTokens / Math.max(1, b.prefillTokens)).toFixed(2)}× fewer prefill tokens, critical path ${((1 - b.criticalPathMs / a.criticalPathMs) * 100).toFixed(0)} % shorter (${same})` : '';
  return [head, ...lines, gain].join('\n');
}
