// Bench rows for the local engine (node-llama-cpp in a child process, real CPU time, no latency model): a TQ* step, batched sampling, scoring.
import { buildEnv, EnginePool, loadRunConfig } from '../src/backends/index';
import { decode } from '../src/core/index';
import { findDemoModels } from '../src/engine/demoModels';

export interface EngineRow {
  id: string;
  what: string;
  models: string;
  /** Mean wall ms per unit (per TQ* step, per batched call). */
  msPerUnit: number;
  units: number;
  /** Generated + scored model tokens per wall second. */
  tokensPerSecond: number;
}

const PROMPTS = ['The customer service was', 'The food', 'My manager said', 'The delivery'];

export async function benchEngine(opts: { steps: number; repeats: number }): Promise<EngineRow[]> {
  const found = findDemoModels();
  if (!found) throw new Error('bench: neither models/tiny nor test/fixtures/gguf found');
  const models = found.trained ? 'tiny trained sft / dpo-sentiment (models/tiny)' : 'random-weight fixtures (test/fixtures/gguf)';
  const engines = new EnginePool();
  try {
    const config = loadRunConfig({
      base: { gguf: found.sft },
      baseline: { gguf: found.direct },
      reward: { kind: 'builtin', name: 'sentiment' },
      decoding: { topK: 10, rollouts: 4, horizon: 20, maxTokens: 24, seed: 0, alpha: 1 },
    });
    const { env } = await buildEnv(config, { engines });
    // Warm-up: the first requests fill the sequences' caches and page the weights in.
    await decode('tqstar', { text: PROMPTS[0]! }, env, { ...config.decoding, maxTokens: 1 });
    const rows: EngineRow[] = [];

    let ms = 0;
    let steps = 0;
    let tokens = 0;
    for (let i = 0; i < opts.repeats; i++) {
      // Room for the full horizon at every measured step (the decoder cuts rollouts at maxTokens); stop after `steps` steps.
      const abort = new AbortController();
      let n = 0;
      let last = 0;
      const t0 = performance.now();
      const r = await decode('tqstar', { text: PROMPTS[i % PROMPTS.length]! }, env, { ...config.decoding, maxTokens: opts.steps + 20, seed: i }, {
        signal: abort.signal,
        onEvent: (ev) => {
          if (ev.type !== 'step') return;
          last = performance.now();
          if (++n === opts.steps) abort.abort();
        },
      });
      if (r.error && r.finish !== 'aborted') throw new Error(`bench: engine TQ* run failed: ${r.error.message}`);
      ms += last - t0;
      steps += n;
      tokens += r.stats.modelTokens;
    }
    rows.push({ id: 'engine/tqstar-step', what: 'TQ* step, k=10, N=4, H=20 (top-k, 40 rollouts, their rewards)', models, msPerUnit: ms / steps, units: steps, tokensPerSecond: (tokens / ms) * 1000 });

    const prompts = await Promise.all(PROMPTS.map((t) => env.baseline.encode(t)));
    let sampleMs = 0;
    let sampled = 0;
    let scoreMs = 0;
    let scored = 0;
    for (let i = 0; i < opts.repeats; i++) {
      const t0 = performance.now();
      const s = await env.baseline.sample({ prompts, n: 10, temperature: 1, maxTokens: 20, seed: i });
      sampleMs += performance.now() - t0;
      const items = s.flatMap((row, p) => row.map((c) => ({ prompt: prompts[p]!, continuation: c.tokens.map((t) => t.id) })));
      sampled += items.reduce((n, it) => n + it.continuation.length, 0);
      const t1 = performance.now();
      await env.base.score({ items });
      scoreMs += performance.now() - t1;
      scored += items.reduce((n, it) => n + it.prompt.length + it.continuation.length, 0);
    }
    rows.push({ id: 'engine/sample-40x20', what: 'batched sampling: 4 prompts × n=10, ≤ 20 tokens, log-probs', models, msPerUnit: sampleMs / opts.repeats, units: opts.repeats, tokensPerSecond: (sampled / sampleMs) * 1000 });
    rows.push({ id: 'engine/score-40', what: 'exact scoring of those 40 continuations (echo, every position)', models, msPerUnit: scoreMs / opts.repeats, units: opts.repeats, tokensPerSecond: (scored / scoreMs) * 1000 });
    return rows;
  } finally {
    await engines.dispose();
  }
}

export function engineTable(rows: EngineRow[]): string {
  const head = ['row', 'ms / unit', 'units', 'tokens/s', 'what'];
  const body = rows.map((r) => [r.id, r.msPerUnit.toFixed(0), String(r.units), r.tokensPerSecond.toFixed(0), r.what]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line), `models: ${rows[0]?.models ?? '—'}; the engine on this machine's CPU (threads 1, one child process), wall time`].join('\n');
}
