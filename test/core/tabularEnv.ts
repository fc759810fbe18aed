// Test fixtures: decoding environments over the tabular suite, and the tabular state a decoding step starts from.
import { decode, parseDecodingParams, type DecodeEnv, type DecodeResult, type DecodingParams, type DecodingParamsInput, type StrategyName } from '../../src/core/index';
import { allPrefixes, prefixKey, type NextDist } from '../../src/models/tabular';
import type { TabularSuite } from '../../src/models/inProcess';

/** The prompt text whose tabular state is `words` (word ids). */
export const promptOf = (suite: TabularSuite, words: readonly number[]) => words.map((w) => suite.vocab[w]).join('');

/** Word ids of a decoder state (prompt ids with BOS, then response ids). */
export const wordsOf = (suite: TabularSuite, ids: readonly number[]) => ids.filter((id) => id !== suite.world.bosId);

/**
 * The core tests check the method of ALGORITHM.md: rollout values, α as given, every step steered, N
 * rollouts per candidate. Those are pinned here, so that the product's defaults (chosen by measurement)
 * do not change what a test means; a test sets any of them itself to test the other options.
 */
const METHOD: DecodingParamsInput = { estimator: 'rollouts', strength: 'alpha', gate: { by: 'none' }, allocation: { kind: 'fixed' } };

export const params = (p: DecodingParamsInput): DecodingParams => parseDecodingParams({ ...METHOD, ...p });

/** Direct transfer: the baseline is ρ*_r itself. */
export const directEnv = (s: TabularSuite): DecodeEnv => ({ base: s.base, baseline: s.rhoStarR, reward: s.reward });

/** Indirect transfer: the baseline is ρ*_{r_BL}, aligned to a different reward. */
export const indirectEnv = (s: TabularSuite): DecodeEnv => ({ base: s.base, baseline: s.rhoStarRbl, reward: s.reward, baselineReward: s.rewardBL });

/** An environment whose TQ* values are the exact Q*_r (CD: Q^{π_base}), for plug-in tests. */
export const oracleEnv = (s: TabularSuite, value: 'qStar' | 'qBase'): DecodeEnv => ({
  ...directEnv(s),
  valueOracle: (state, cands) => cands.map((z) => s.exact[value](wordsOf(s, state), z)),
});

export const firstStep = (r: DecodeResult) => {
  if (!r.steps.length) throw new Error(`no step decoded: ${r.finish} ${r.error?.message ?? ''}`);
  return r.steps[0];
};

/** The decoder's own step distribution at every state of the tabular world (selectProb, or the chosen token when greedy), as a token-level policy. */
export async function decoderPolicy(suite: TabularSuite, strategy: StrategyName, env: DecodeEnv, p: DecodingParams): Promise<NextDist> {
  const table = new Map<string, Float64Array>();
  for (const s of allPrefixes(suite.world)) {
    const step = firstStep(await decode(strategy, { text: promptOf(suite, s) }, env, p));
    const d = new Float64Array(suite.world.eosId + 1);
    for (const c of step.candidates) d[c.id] = p.selection === 'greedy' ? Number(c.chosen) : c.selectProb;
    table.set(prefixKey(s), d);
  }
  // Beyond the last state of length L, EOS is the only token.
  return (s) => table.get(prefixKey(s)) ?? suite.dists.base(s);
}
