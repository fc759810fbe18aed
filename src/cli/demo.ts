// `tqstar demo` (`npm run demo`): the reference server in-process, a sample prompt over HTTP, ranked tables.
import { setMaxListeners } from 'node:events';
import { buildEnv, loadRunConfig } from '../backends/index';
import type { RunConfig, StrategyName } from '../config/schema';
import type { RunResult } from '../core/events';
import { meanEstimate, runStrategies } from '../core/index';
import { exactStrategyValue } from '../models/exactStrategies';
import { tabularSuite } from '../models/inProcess';
import { demoRunConfig, tabularRunConfig } from '../server/demoConfig';
import { startServer } from '../server/index';
import { EXIT } from './exitCodes';
import { COLUMNS, footnotes, table } from './output';

export const DEMO_PROMPT = 'The customer service was';
/** One prompt is an anecdote: the mean over these (and two seeds) is what the ranking claims. */
export const DEMO_PROMPTS = [DEMO_PROMPT, 'The food', 'My manager said', 'The delivery', 'The hotel room', 'Our neighbour'];
const DEMO_SEEDS = [0, 1];
const ALL: StrategyName[] = ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'baseline', 'greedy', 'sample'];

export async function demoCommand(_argv: string[]): Promise<number> {
  const abort = new AbortController();
  // Every request in flight listens on the run's signal: more than Node's default of 10 is expected.
  setMaxListeners(1000, abort.signal);
  const onSigint = () => (abort.signal.aborted ? process.exit(EXIT.cancelled) : abort.abort());
  process.on('SIGINT', onSigint);
  const server = await startServer({ port: 0, quiet: true });
  const out = (s = '') => process.stdout.write(s + '\n');
  try {
    out('Transfer Q* demo — BUILT-IN DEMO BACKEND: the local reference server (a word-level n-gram');
    out('model "demo-base" and a sentiment-aligned copy "demo-aligned"; not a real LLM), over real HTTP');
    out(`at ${server.url}/v1. Reward: demo-sentiment on /pooling.`);
    out();
    const demo = loadRunConfig(demoRunConfig(server.url));
    const r1 = await run(demo, { text: DEMO_PROMPT }, abort.signal);
    out(`Prompt: "${DEMO_PROMPT}"   (topK ${demo.decoding.topK}, rollouts ${demo.decoding.rollouts}, horizon ${demo.decoding.horizon}, α ${demo.decoding.alpha})`);
    out(table(r1.results, COLUMNS));
    for (const n of footnotes(r1.results)) out(n);
    if (abort.signal.aborted) return EXIT.cancelled;
    out();
    out(`Mean reward over ${DEMO_PROMPTS.length} prompts × ${DEMO_SEEDS.length} seeds (± standard error), same settings:`);
    const means = await meanRewards(demo, abort.signal);
    if (abort.signal.aborted) return EXIT.cancelled;
    out(means);
    out();
    out('Tabular test models (vocabulary a–e + EOS; the baseline is the exact optimum ρ*_r) over the same HTTP server.');
    out('"exact obj." = E[r] − β·KL of the policy each strategy converges to with exact values (N → ∞),');
    out('computed by enumeration (src/models/exact.ts); Best-of-N exactly over its N draws; "—" for blockwise (not enumerated). Higher is better; ρ*_r is the maximum.');
    // Sampling mode: its exact objective is the meaningful one (a greedy policy pays a large KL by construction).
    const tabInput = tabularRunConfig(server.url);
    const tab = loadRunConfig({ ...tabInput, decoding: { ...tabInput.decoding, selection: 'sample' } });
    const suite = tabularSuite({ beta: tab.decoding.beta });
    const r2 = await run(tab, { text: '' }, abort.signal);
    const exactCol = { title: 'exact obj.', right: true, cell: (r: RunResult['results'][number]) => fmt(exactStrategyValue(suite, r.strategy, tab.decoding)?.objective ?? null) };
    out(table(r2.results, [...COLUMNS.slice(0, 3), exactCol, ...COLUMNS.slice(3)]));
    for (const n of footnotes(r2.results)) out(n);
    out(`optimum (ρ*_r): ${suite.exact.evaluate(suite.dists.rhoStarR).objective.toFixed(4)}; π_base alone: ${suite.exact.evaluate(suite.dists.base).objective.toFixed(4)}`);
    return abort.signal.aborted ? EXIT.cancelled : [...r1.results, ...r2.results].some((r) => r.error) ? EXIT.runError : EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
    await server.close();
  }
}

/** Mean reward per strategy over DEMO_PROMPTS × DEMO_SEEDS, best first, as a small table. */
async function meanRewards(config: RunConfig, signal: AbortSignal): Promise<string> {
  const rewards = new Map<StrategyName, number[]>();
  for (const text of DEMO_PROMPTS) {
    for (const seed of DEMO_SEEDS) {
      if (signal.aborted) break;
      const r = await run({ ...config, decoding: { ...config.decoding, seed } }, { text }, signal);
      for (const x of r.results) if (x.reward !== null) rewards.set(x.strategy, [...(rewards.get(x.strategy) ?? []), x.reward]);
    }
  }
  const rows = [...rewards].map(([strategy, v]) => {
    const { q, stderr } = meanEstimate(v);
    return { strategy, mean: q, se: stderr ?? 0, n: v.length };
  });
  rows.sort((a, b) => b.mean - a.mean);
  return rows.map((r, i) => `${i + 1}  ${r.strategy.padEnd(9)}  ${r.mean.toFixed(4)} ± ${r.se.toFixed(4)}  (n=${r.n})`).join('\n');
}

function fmt(x: number | null): string {
  return x === null ? '—' : x.toFixed(4);
}

async function run(config: RunConfig, prompt: { text: string }, signal: AbortSignal): Promise<RunResult> {
  const { env, warnings } = await buildEnv(config, { signal });
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  return runStrategies(ALL, prompt, env, config.decoding, { signal });
}
