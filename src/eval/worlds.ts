// The setups `tqstar eval` runs with no config: the tiny transformers on the local engine (default), the reference server's demo pair and its tabular models (exact values).
import type { RunConfigInput, StrategyName } from '../config/schema';
import { exactStrategyValue } from '../models/exactStrategies';
import { tabularSuite, type TabularSuite } from '../models/inProcess';
import { parseWords } from '../models/tabular';
import { findDemoModels, type DemoModels } from '../engine/demoModels';
import { demoRunConfig, engineDemoConfig, tabularRunConfig } from '../server/demoConfig';
import { DEMO_EMBEDDING_MODEL } from '../server/embeddings';
import type { EvalContext } from './runner';
import { BUILTIN_PROMPTS, type EvalPrompt } from './prompts';

export interface EvalWorld {
  name: string;
  /** Said in the report and on stderr: what the models are (demo backends are labelled as such). */
  description: string;
  config: RunConfigInput;
  prompts: readonly EvalPrompt[];
  strategies: StrategyName[];
  embeddings?: { baseUrl: string; model: string };
  exact?: EvalContext['exact'];
}

/** Every strategy that has a per-answer reward, in the order the tables list them. */
export const EVAL_STRATEGIES: StrategyName[] = ['tqstar', 'cd', 'args', 'bon', 'softbon', 'specrej', 'smc', 'blockwise', 'baseline', 'greedy', 'sample'];

/** The word-level demo pair on the reference server (`url` = its root), the built-in prompts and the demo embedding. */
export function demoEvalWorld(url: string): EvalWorld {
  return {
    name: 'demo',
    description: 'BUILT-IN DEMO BACKEND: the reference server\'s word-level trigram models demo-base / demo-aligned and the demo-sentiment reward (not a real LLM); coherence from its demo hashed-word embedding (not a sentence encoder).',
    config: demoRunConfig(url),
    prompts: BUILTIN_PROMPTS,
    strategies: EVAL_STRATEGIES,
    embeddings: { baseUrl: `${url.replace(/\/+$/, '')}/v1`, model: DEMO_EMBEDDING_MODEL },
  };
}

/** Start states of the tabular world (its prompts are word prefixes). */
export const TABULAR_EVAL_PROMPTS: readonly EvalPrompt[] = ['', 'a', 'b', 'c', 'd', 'e', 'a b', 'b c', 'c d', 'd e', 'e a', 'b a c'].map((text, i) => ({ id: `tab-${i + 1}`, text }));

/** The tabular models over HTTP, sampling selection (a greedy policy pays a large KL by construction), with exact values by enumeration. */
export function tabularEvalWorld(url: string): EvalWorld {
  const cfg = tabularRunConfig(url);
  const suites = new Map<number, TabularSuite>();
  const suite = (beta: number) => {
    let s = suites.get(beta);
    if (!s) suites.set(beta, (s = tabularSuite({ beta })));
    return s;
  };
  return {
    name: 'tabular',
    description: 'TABULAR TEST MODELS on the reference server: vocabulary a–e + EOS, π_base as explicit tables, the baseline is the exact optimum ρ*_r; exact E[r], KL and objective by enumeration (src/models/exact.ts).',
    config: { ...cfg, decoding: { ...cfg.decoding, selection: 'sample' } },
    prompts: TABULAR_EVAL_PROMPTS,
    strategies: EVAL_STRATEGIES.filter((s) => s !== 'blockwise'),
    exact: (strategy, p, prompt) => {
      const s = suite(p.beta);
      return exactStrategyValue(s, strategy, p, parseWords(s.world, prompt, true));
    },
  };
}

/**
 * A spread of the built-in prompts (every fourth: reviews, replies and support answers alike). The
 * transformers cost far more per answer than the n-gram pair, so the default eval decodes these
 * 26 to finish in a few minutes on 2 shared cores; `--prompts builtin` runs all 101.
 */
export const TINY_EVAL_PROMPTS: readonly EvalPrompt[] = BUILTIN_PROMPTS.filter((_, i) => i % 4 === 0);

/**
 * The project's tiny trained transformers (models/tiny) through the local llama.cpp engine, direct transfer
 * (base sft, baseline dpo-sentiment), reward demo-sentiment on the reference server at `url`: `npm run demo`'s
 * settings. Null when the models are missing from this installation.
 */
export function tinyEvalWorld(url: string, models: DemoModels | null = findDemoModels()): EvalWorld | null {
  // The random-weight fixtures would make an evaluation of noise: only the trained models are a world.
  if (!models?.trained) return null;
  return {
    name: 'tiny',
    description: 'TINY DEMO MODELS TRAINED BY THIS PROJECT (models/tiny: ~1M-parameter llama-architecture transformers, not for real use) on the local llama.cpp engine, CPU: base sft, baseline dpo-sentiment (direct transfer), the reference server\'s demo-sentiment reward; coherence from its demo hashed-word embedding (not a sentence encoder).',
    config: engineDemoConfig(models, url, 'direct'),
    prompts: TINY_EVAL_PROMPTS,
    strategies: EVAL_STRATEGIES,
    embeddings: { baseUrl: `${url.replace(/\/+$/, '')}/v1`, model: DEMO_EMBEDDING_MODEL },
  };
}

/** The built-in worlds by name; `tqstar eval` without --config or --world runs DEFAULT_WORLD. */
export const EVAL_WORLDS = ['tiny', 'demo', 'tabular'] as const;
export type EvalWorldName = (typeof EVAL_WORLDS)[number];
export const DEFAULT_WORLD: EvalWorldName = 'tiny';

/** The world of that name (null: the tiny models are not installed). */
export function evalWorld(name: EvalWorldName, url: string): EvalWorld | null {
  return name === 'tiny' ? tinyEvalWorld(url) : name === 'tabular' ? tabularEvalWorld(url) : demoEvalWorld(url);
}
