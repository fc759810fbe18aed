// The setups `tqstar eval` runs with no config: the reference server's demo pair (default) and its tabular models (exact values).
import type { RunConfigInput, StrategyName } from '../config/schema';
import { exactStrategyValue } from '../models/exactStrategies';
import { tabularSuite, type TabularSuite } from '../models/inProcess';
import { parseWords } from '../models/tabular';
import { demoRunConfig, tabularRunConfig } from '../server/demoConfig';
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
export const EVAL_STRATEGIES: StrategyName[] = ['tqstar', 'cd', 'args', 'bon', 'softbon', 'blockwise', 'baseline', 'greedy', 'sample'];

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

/** What `tqstar eval` runs with no --config. One place to switch it to the tiny transformers once they are merged. */
export const defaultEvalWorld = demoEvalWorld;
