// The exact objective E[r] − β·KL(π‖π_base) of the policies the decoder implements, by enumeration on the tabular world.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type DecodeEnv, type DecodingParams, type StrategyName } from '../../src/core/index';
import type { PolicyValue } from '../../src/models/exact';
import { tabularSuite } from '../../src/models/inProcess';
import { decoderPolicy as decoderPolicyOf, directEnv, oracleEnv, params } from './tabularEnv';

const suite = tabularSuite({ beta: 1 });
const { world, exact } = suite;
const decoderPolicy = (strategy: StrategyName, env: DecodeEnv, p: DecodingParams) => decoderPolicyOf(suite, strategy, env, p);


/** E[r] − β·KL of the one response a deterministic whole-response strategy gives. */
async function pathValue(strategy: StrategyName, env: DecodeEnv): Promise<PolicyValue> {
  const r = await decode(strategy, { text: '' }, env, params({ maxTokens: 10 }));
  assert.equal(r.finish, 'eos');
  const path = r.tokens.map((t) => t.id);
  let kl = 0;
  for (let t = 0; t <= path.length; t++) kl -= Math.log(suite.dists.base(path.slice(0, t))[t < path.length ? path[t] : world.eosId]);
  const reward = suite.rewardFn(path);
  return { reward, kl, objective: reward - suite.beta * kl };
}

test('exact objective E[r] − β·KL: ρ* is the maximum over all policies; TQ*, ARGS, CD, greedy reported', { timeout: 120_000 }, async () => {
  const alpha = 1 / suite.beta; // the strength at which exp(α·Q) matches exp(r/β)'s scale
  const rows: Record<string, PolicyValue> = {};
  const sampleP = (topK: number) => params({ topK, alpha, selection: 'sample', maxTokens: 1, argsWeight: 1 });
  const greedyP = (topK: number) => params({ topK, alpha, selection: 'greedy', maxTokens: 1, argsWeight: 1 });
  rows['TQ* (exact Q*, sample, k=6)'] = exact.evaluate(await decoderPolicy('tqstar', oracleEnv(suite, 'qStar'), sampleP(6)));
  rows['TQ* (exact Q*, sample, k=3)'] = exact.evaluate(await decoderPolicy('tqstar', oracleEnv(suite, 'qStar'), sampleP(3)));
  rows['TQ* (exact Q*, greedy, k=6)'] = exact.evaluate(await decoderPolicy('tqstar', oracleEnv(suite, 'qStar'), greedyP(6)));
  rows['CD (exact Q^π_base, sample, k=6)'] = exact.evaluate(await decoderPolicy('cd', oracleEnv(suite, 'qBase'), sampleP(6)));
  rows['ARGS (sample, k=6)'] = exact.evaluate(await decoderPolicy('args', directEnv(suite), sampleP(6)));
  rows['ARGS (greedy, k=6)'] = exact.evaluate(await decoderPolicy('args', directEnv(suite), greedyP(6)));
  rows['greedy (π_base argmax)'] = await pathValue('greedy', directEnv(suite));
  rows['baseline alone (ρ*_r argmax)'] = await pathValue('baseline', directEnv(suite));
  rows['π_base (sampling)'] = exact.evaluate(suite.dists.base);
  const optimum = exact.evaluate(suite.dists.rhoStarR);
  rows['ρ*_r (the optimum)'] = optimum;
  console.table(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { 'E[r]': +v.reward.toFixed(4), KL: +v.kl.toFixed(4), 'E[r] − β·KL': +v.objective.toFixed(4) }])));

  // Guaranteed: max_π E[r] − β·KL = β·log E_{π_base}[exp(r/β)], attained by ρ* (Gibbs variational principle).
  assert.ok(Math.abs(optimum.objective - suite.beta * Math.log(exact.expValue([]))) < 1e-9);
  for (const [name, v] of Object.entries(rows)) {
    assert.ok(v.kl >= -1e-12, `${name}: KL ≥ 0`);
    assert.ok(v.objective <= optimum.objective + 1e-9, `${name}: objective ${v.objective} ≤ optimum ${optimum.objective}`);
  }
  assert.ok(Math.abs(rows['π_base (sampling)'].kl) < 1e-12, 'π_base has KL 0 to itself');
});

test('instance-specific (this tabular world, seed 1, β = 1): TQ* with exact Q* beats ARGS, CD, greedy and π_base on E[r] − β·KL', { timeout: 120_000 }, async () => {
  const P = (s: 'sample' | 'greedy') => params({ topK: 6, alpha: 1, selection: s, maxTokens: 1 });
  const tq = exact.evaluate(await decoderPolicy('tqstar', oracleEnv(suite, 'qStar'), P('sample'))).objective;
  const args = exact.evaluate(await decoderPolicy('args', directEnv(suite), P('sample'))).objective;
  const cd = exact.evaluate(await decoderPolicy('cd', oracleEnv(suite, 'qBase'), P('sample'))).objective;
  const greedy = (await pathValue('greedy', directEnv(suite))).objective;
  const base = exact.evaluate(suite.dists.base).objective;
  // Not a theorem: the reward pays for late tokens, which a myopic method (ARGS) cannot see.
  assert.ok(tq > args, `TQ* ${tq} > ARGS ${args}`);
  assert.ok(tq > cd, `TQ* ${tq} > CD ${cd}`);
  assert.ok(tq > greedy, `TQ* ${tq} > greedy ${greedy}`);
  assert.ok(tq > base, `TQ* ${tq} > π_base ${base}`);
});

test('exactStrategyValue (used by the demo) agrees with the decoder: value policies to 1e-12, Best-of-N by Monte Carlo', { timeout: 120_000 }, async () => {
  const { exactStrategyValue } = await import('../../src/models/exactStrategies');
  const P = params({ topK: 4, alpha: 1.5, selection: 'sample', maxTokens: 1 });
  const fromDecoder = {
    tqstar: exact.evaluate(await decoderPolicy('tqstar', oracleEnv(suite, 'qStar'), P)),
    cd: exact.evaluate(await decoderPolicy('cd', oracleEnv(suite, 'qBase'), P)),
    args: exact.evaluate(await decoderPolicy('args', directEnv(suite), P)),
  };
  for (const [s, v] of Object.entries(fromDecoder)) {
    const e = exactStrategyValue(suite, s as StrategyName, P)!;
    assert.ok(Math.abs(e.objective - v.objective) < 1e-12 && Math.abs(e.kl - v.kl) < 1e-12, `${s}: ${e.objective} vs ${v.objective}`);
  }
  assert.ok(Math.abs(exactStrategyValue(suite, 'greedy', P)!.objective - (await pathValue('greedy', directEnv(suite))).objective) < 1e-12);
  // Best-of-4 from ρ*_r: the mean reward of 600 decoded runs within 4 standard errors of the exact E[r].
  const bonP = (seed: number) => params({ bestOfN: 4, bestOfNModel: 'baseline', seed, maxTokens: 10 });
  const rewards: number[] = [];
  for (let seed = 0; seed < 600; seed++) rewards.push((await decode('bon', { text: '' }, directEnv(suite), bonP(seed))).reward!);
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const se = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (rewards.length - 1) / rewards.length);
  const e = exactStrategyValue(suite, 'bon', bonP(0))!;
  assert.ok(Math.abs(mean - e.reward) <= 4 * se, `BoN mean ${mean} ± ${se} vs exact ${e.reward}`);
  assert.ok(e.kl > 0 && e.objective <= exact.evaluate(suite.dists.rhoStarR).objective, 'BoN is a policy too: below the optimum');
});
