// The bench's fixed prompts and rows: which models, which decoding settings, and which row is the naive reference.
import type { DecodingParamsInput, StrategyName } from '../src/config/schema';

export type World = 'demo' | 'tabular';

export interface Row {
  id: string;
  world: World;
  /** Default tqstar; the peers run on the same loop, prompts and settings for comparison. */
  strategy?: StrategyName;
  /** A straight port of the authors' loop: single-item requests, one at a time, no reuse. */
  naive: boolean;
  decoding: DecodingParamsInput;
  /** Tabular indirect rows decode against ρ*_{r_BL} instead of ρ*_r. */
  baseline?: string;
  /** A Compare row: these strategies through runStrategies (timed pass only; see measureCompare). */
  strategies?: StrategyName[];
  /** Long-answer rows: EOS is never a candidate and rollouts ignore it (bench/noEos.ts, bench/wire.ts). */
  eosOff?: boolean;
  /** Fewer prompts/seeds than the mode's (long rows): quality pass prompts × seeds, timed pass prompts. */
  limit?: { prompts: number; seeds: number; timed: number };
  label: string;
}

/** Sentence openings the demo corpus continues in both kind and unkind ways (fixed, so runs compare). */
export const DEMO_PROMPTS = ['The customer service was', 'The food was', 'The product is', 'The staff were', 'The movie was', 'The meeting was', 'The code is', 'The hotel was'];

/** Start states of the tabular world (its prompts are word prefixes; see src/models/tabular.ts). */
export const TABULAR_PROMPTS = ['', 'a', 'b', 'c d'];

// The reference setting: k = 10, N = 4, H = 20; the demo's α and length (src/server/demoConfig.ts).
const DEMO = { topK: 10, rollouts: 4, horizon: 20, alpha: 2, maxTokens: 24 } as const;
const TAB = { topK: 6, rollouts: 8, horizon: 8, alpha: 1, maxTokens: 8, selection: 'sample' } as const;

/** Adaptive work and block acceptance together (the "adaptive and block flags on"). */
export const FAST = { reuseRollouts: true, skipMass: 0.9, coverMass: 0.9, blockAccept: 4, blockMargin: 1 } as const;

/** Long rows: one prompt, one seed (a 256-token answer takes 10–30 s even with the clock off on 2 cores). */
const LONG = { prompts: 1, seeds: 1, timed: 1 } as const;

export function rows(): Row[] {
  return [
    { id: 'demo/reference', world: 'demo', naive: true, decoding: { ...DEMO, speed: { reuseRollouts: false } }, label: 'REFERENCE: naive port (1 request per candidate, sequential, no reuse), k=10 N=4 H=20' },
    { id: 'demo/batched', world: 'demo', naive: false, decoding: { ...DEMO, speed: { reuseRollouts: false } }, label: 'TQ* batched, no reuse, k=10 N=4 H=20' },
    { id: 'demo/tqstar', world: 'demo', naive: false, decoding: { ...DEMO }, label: 'TQ* default (batched + reuse), k=10 N=4 H=20' },
    { id: 'demo/fast', world: 'demo', naive: false, decoding: { ...DEMO, speed: { ...FAST } }, label: 'TQ* adaptive + block, k=10 N=4 H=20' },
    { id: 'demo/small', world: 'demo', naive: false, decoding: { ...DEMO, topK: 4, rollouts: 2, horizon: 8 }, label: 'TQ* default, k=4 N=2 H=8' },
    { id: 'demo/indirect', world: 'demo', naive: false, decoding: { ...DEMO, transfer: 'indirect', indirectWeights: 'implicit', beta: 0.5, betaBaseline: 0.5 }, label: 'TQ* indirect (implicit DPO weights), k=10 N=4 H=20' },
    { id: 'demo/cd', world: 'demo', naive: false, strategy: 'cd', decoding: { ...DEMO }, label: 'CD (rollouts from π_base), k=10 N=4 H=20' },
    { id: 'demo/args', world: 'demo', naive: false, strategy: 'args', decoding: { ...DEMO }, label: 'ARGS (no rollouts), k=10' },
    { id: 'demo/bon', world: 'demo', naive: false, strategy: 'bon', decoding: { ...DEMO }, label: 'Best-of-8 from the baseline' },
    { id: 'demo/baseline', world: 'demo', naive: false, strategy: 'baseline', decoding: { ...DEMO }, label: 'The aligned baseline alone, greedy' },
    { id: 'tabular/reference', world: 'tabular', naive: true, decoding: { ...TAB, speed: { reuseRollouts: false } }, label: 'REFERENCE: naive port, tabular direct, k=6 N=8 H=8' },
    { id: 'tabular/batched', world: 'tabular', naive: false, decoding: { ...TAB, speed: { reuseRollouts: false } }, label: 'TQ* batched, no reuse, tabular direct' },
    { id: 'tabular/tqstar', world: 'tabular', naive: false, decoding: { ...TAB }, label: 'TQ* default, tabular direct, k=6 N=8 H=8' },
    { id: 'tabular/fast', world: 'tabular', naive: false, decoding: { ...TAB, speed: { ...FAST } }, label: 'TQ* adaptive + block, tabular direct' },
    {
      id: 'tabular/indirect',
      world: 'tabular',
      naive: false,
      baseline: 'tabular-rho-rbl',
      decoding: { ...TAB, transfer: 'indirect', indirectWeights: 'baseline-reward' },
      label: 'TQ* indirect (baseline-reward weights, ρ*_{r_BL}), tabular',
    },
    // Speed II (issue 14): cost against the answer's length, EOS off, on one prompt (each 256-token timed run takes minutes).
    ...[16, 64, 256].map((n): Row => ({ id: `len${n}/tqstar`, world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { ...DEMO, maxTokens: n }, label: `TQ* default, ${n} tokens, EOS off, k=10 N=4 H=20` })),
    ...[16, 256].map((n): Row => ({ id: `len${n}/before`, world: 'demo', naive: false, eosOff: true, limit: { ...LONG, timed: 0 }, decoding: { ...DEMO, maxTokens: n, speed: { baseTopLookup: false } }, label: `TQ* with speed.baseTopLookup off (every candidate scored: by echo before issue 14, now in one logprob_token_ids request), ${n} tokens, EOS off; not timed` })),
    { id: 'len256/speculate', world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { ...DEMO, maxTokens: 256, speed: { speculate: 2 } }, label: 'TQ* + speculation on the top-2 next states, 256 tokens, EOS off' },
    { id: 'len256/fast', world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { ...DEMO, maxTokens: 256, speed: { ...FAST, speculate: 2 } }, label: 'TQ* + speculation + adaptive + block, 256 tokens, EOS off' },
    // Speculation two steps ahead (speed.speculateDepth 2): S·S' = 4 states two ahead per step beside the 2 one ahead.
    ...[64, 256].map((n): Row => ({ id: `len${n}/speculate2`, world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { ...DEMO, maxTokens: n, speed: { speculate: 2, speculateDepth: 2 } }, label: `TQ* + speculation two steps ahead (top-2 × top-2), ${n} tokens, EOS off` })),
    { id: 'len256/fast2', world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { ...DEMO, maxTokens: 256, speed: { ...FAST, speculate: 2, speculateDepth: 2 } }, label: 'TQ* + speculation two steps ahead + adaptive + block, 256 tokens, EOS off' },
    // The tqstar.decoding defaults themselves (estimator, strength, gate, k, N, H from src/config/schema.ts), 256 tokens.
    { id: 'len256/defaults', world: 'demo', naive: false, eosOff: true, limit: LONG, decoding: { maxTokens: 256 }, label: 'TQ* at the tqstar.decoding defaults, 256 tokens, EOS off' },
    { id: 'compare/demo', world: 'demo', naive: false, strategies: ['tqstar', 'cd', 'args', 'bon', 'blockwise', 'greedy', 'sample', 'baseline'], decoding: { ...DEMO }, label: 'Compare: all 8 strategies, k=10 N=4 H=20, 24 tokens' },
  ];
}
