// `tqstar demo` (`npm run demo`): the tiny trained transformers on the local engine (direct and indirect), ranked tables, the exact tabular check.
import { setMaxListeners } from 'node:events';
import { basename } from 'node:path';
import { buildEnv, EnginePool, loadRunConfig } from '../backends/index';
import type { RunConfig, StrategyName } from '../config/schema';
import { alphaText, gateText } from '../config/describe';
import type { RunResult } from '../core/events';
import { TqError } from '../core/errors';
import { meanEstimate, runStrategies } from '../core/index';
import { deriveSeed } from '../core/rng';
import { findDemoModels } from '../engine/demoModels';
import { exactStrategyValue } from '../models/exactStrategies';
import { tabularSuite } from '../models/inProcess';
import { engineDemoConfig, tabularRunConfig } from '../server/demoConfig';
import { startServer } from '../server/index';
import { EXIT } from './exitCodes';
import { COLUMNS, footnotes, table } from './output';

export const DEMO_PROMPT = 'The customer service was';
/** One prompt is an anecdote: the mean over these (and two seeds) is what the ranking claims. */
export const DEMO_PROMPTS = [DEMO_PROMPT, 'The food', 'My manager said', 'The delivery', 'The hotel room', 'Our neighbour'];
/** The transformers cost more per step than the n-gram pair did: fewer prompts for the mean, within the minute. */
const MEAN_PROMPTS = DEMO_PROMPTS.slice(0, 3);
const DEMO_SEEDS = [0, 1];
const ALL: StrategyName[] = ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'baseline', 'greedy', 'sample'];

export async function demoCommand(_argv: string[]): Promise<number> {
  const abort = new AbortController();
  // Every request in flight listens on the run's signal: more than Node's default of 10 is expected.
  setMaxListeners(1000, abort.signal);
  const onSigint = () => {
    if (!abort.signal.aborted) return abort.abort();
    process.stderr.write('tqstar: cancelled\n');
    process.exit(EXIT.cancelled);
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  const models = findDemoModels();
  if (!models) {
    process.stderr.write('tqstar demo: the tiny demo models (models/tiny) are missing from this installation\n');
    return EXIT.usage;
  }
  const server = await startServer({ port: 0, quiet: true });
  // One engine for all three files: direct and indirect runs switch baselines without reloading.
  const engines = new EnginePool([models.sft, models.direct, models.indirect]);
  const out = (s = '') => process.stdout.write(s + '\n');
  const results: RunResult['results'] = [];
  try {
    if (models.trained) {
      out('Transfer Q* demo on TINY DEMO MODELS TRAINED BY THIS PROJECT (models/tiny: ~1M-parameter llama-architecture');
      out('transformers trained on the project\'s own small corpus — good for demos and tests, not for real use), run by the');
      out('local llama.cpp engine (node-llama-cpp in a child process, CPU) over real HTTP.');
      out(`π_base = sft; direct baseline = dpo-sentiment (DPO towards the reward); indirect baseline = ${basename(models.indirect, '.gguf')}`);
      out(`(DPO towards r_BL = ${models.indirectReward}, β_BL = ${models.betaIndirect}). Reward: demo-sentiment on /pooling of the reference server at ${server.url}.`);
    } else {
      out('Transfer Q* demo — the trained tiny models (models/tiny) are not here: running on RANDOM-WEIGHT TEST FIXTURES');
      out(`(${models.dir}) through the local llama.cpp engine. Their text is noise; only the plumbing is shown.`);
    }
    out();
    for (const transfer of ['direct', 'indirect'] as const) {
      const cfg = loadRunConfig(engineDemoConfig(models, server.url, transfer));
      const r = await run(cfg, { text: DEMO_PROMPT }, engines, abort.signal);
      results.push(...r.results);
      const d = cfg.decoding;
      const gate = gateText(d);
      out(`${transfer === 'direct' ? `DIRECT transfer (baseline ${basename(models.direct, '.gguf')}, aligned to the target reward)` : `INDIRECT transfer (baseline ${basename(models.indirect, '.gguf')}, implicit-reward weights, β_BL ${d.betaBaseline})`}`);
      out(`Prompt: "${DEMO_PROMPT}"   (topK ${d.topK}, rollouts ${d.rollouts}, horizon ${d.horizon}, α ${alphaText(d)}${gate ? `, ${gate}` : ''}, max ${d.maxTokens} tokens)`);
      out(table(r.results, COLUMNS));
      for (const n of footnotes(r.results)) out(n);
      if (abort.signal.aborted) return EXIT.cancelled;
      out();
    }
    const direct = loadRunConfig(engineDemoConfig(models, server.url, 'direct'));
    out(`Direct transfer, mean reward over ${MEAN_PROMPTS.length} prompts × ${DEMO_SEEDS.length} seeds (± standard error), same settings:`);
    const means = await meanRewards(direct, engines, abort.signal);
    if (abort.signal.aborted) return EXIT.cancelled;
    out(means);
    out();
    out('Tabular test models (vocabulary a–e + EOS; the baseline is the exact optimum ρ*_r) over the reference server.');
    out('"exact obj." = E[r] − β·KL of the policy each strategy converges to with exact values (N → ∞),');
    out('computed by enumeration (src/models/exact.ts); Best-of-N exactly over its N draws; "—" for blockwise (not enumerated). Higher is better; ρ*_r is the maximum.');
    // Sampling mode: its exact objective is the meaningful one (a greedy policy pays a large KL by construction).
    const tabInput = tabularRunConfig(server.url);
    const tab = loadRunConfig({ ...tabInput, decoding: { ...tabInput.decoding, selection: 'sample' } });
    const suite = tabularSuite({ beta: tab.decoding.beta });
    const r2 = await run(tab, { text: '' }, engines, abort.signal);
    results.push(...r2.results);
    const exactCol = { title: 'exact obj.', right: true, cell: (r: RunResult['results'][number]) => fmt(exactStrategyValue(suite, r.strategy, tab.decoding)?.objective ?? null) };
    out(table(r2.results, [...COLUMNS.slice(0, 3), exactCol, ...COLUMNS.slice(3)]));
    for (const n of footnotes(r2.results)) out(n);
    out(`optimum (ρ*_r): ${suite.exact.evaluate(suite.dists.rhoStarR).objective.toFixed(4)}; π_base alone: ${suite.exact.evaluate(suite.dists.base).objective.toFixed(4)}`);
    out();
    out(`demo: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    return abort.signal.aborted ? EXIT.cancelled : results.some((r) => r.error) ? EXIT.runError : EXIT.ok;
  } catch (e) {
    if (e instanceof TqError) {
      process.stderr.write(`tqstar demo: ${e.kind} error: ${e.message}\n`);
      return EXIT.backend;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await engines.dispose();
    await server.close();
  }
}

/**
 * The runs behind the mean-reward table: every prompt × seed, each with its own decoder seed. The core derives
 * request seeds from (seed, strategy, step, purpose) and never from the prompt, so one seed for every prompt
 * would reuse the same random draws on each (correlated answers, too small a standard error); the prompt is
 * mixed in as `tqstar eval` does (src/eval/runner.ts decodeSeed).
 */
export function meanRuns(prompts: readonly string[], seeds: readonly number[]): { text: string; seed: number }[] {
  return prompts.flatMap((text) => seeds.map((seed) => ({ text, seed: deriveSeed(seed, 'demo-prompt', text) })));
}

/** Mean reward per strategy over MEAN_PROMPTS × DEMO_SEEDS, best first, as a small table. */
async function meanRewards(config: RunConfig, engines: EnginePool, signal: AbortSignal): Promise<string> {
  const rewards = new Map<StrategyName, number[]>();
  for (const { text, seed } of meanRuns(MEAN_PROMPTS, DEMO_SEEDS)) {
    if (signal.aborted) break;
    const r = await run({ ...config, decoding: { ...config.decoding, seed } }, { text }, engines, signal);
    for (const x of r.results) if (x.reward !== null) rewards.set(x.strategy, [...(rewards.get(x.strategy) ?? []), x.reward]);
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

async function run(config: RunConfig, prompt: { text: string }, engines: EnginePool, signal: AbortSignal): Promise<RunResult> {
  const { env, warnings } = await buildEnv(config, { signal, engines });
  for (const w of warnings) if (!shown.has(w)) process.stderr.write(`warning: ${w}\n`), shown.add(w);
  return runStrategies(ALL, prompt, env, config.decoding, { signal });
}

const shown = new Set<string>();
