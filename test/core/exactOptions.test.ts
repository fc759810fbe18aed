// exactStrategyValue (the demo's and the tabular eval's exact column) follows the decoder under the method's options: strength "kl", the gate, the implicit estimator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DecodeEnv, type DecodingParams, type DecodingParamsInput, type StrategyName } from '../../src/core/index';
import { exactStrategyValue } from '../../src/models/exactStrategies';
import { tabularSuite } from '../../src/models/inProcess';
import { decoderPolicy as decoderPolicyOf, directEnv, oracleEnv, params } from './tabularEnv';

const suite = tabularSuite({ beta: 1 });
const { exact } = suite;
const decoderPolicy = (strategy: StrategyName, env: DecodeEnv, p: DecodingParams) => decoderPolicyOf(suite, strategy, env, p);


const CASES: Array<[string, StrategyName, 'oracle' | 'direct', DecodingParamsInput]> = [
  ['TQ*, strength kl 0.3, sampling', 'tqstar', 'oracle', { strength: 'kl', klBudget: 0.3, selection: 'sample' }],
  ['TQ*, strength kl 0.3, greedy', 'tqstar', 'oracle', { strength: 'kl', klBudget: 0.3, selection: 'greedy' }],
  ['TQ*, gate entropy 0.8, α 2, sampling', 'tqstar', 'oracle', { gate: { by: 'entropy', minEntropy: 0.8 }, alpha: 2, selection: 'sample' }],
  ['TQ*, gate top1 0.7 and kl 0.5, greedy', 'tqstar', 'oracle', { gate: { by: 'top1', maxTop1: 0.7 }, strength: 'kl', klBudget: 0.5, selection: 'greedy' }],
  ['TQ*, implicit estimator, λ 2, sampling', 'tqstar', 'direct', { estimator: 'implicit', alpha: 2, selection: 'sample' }],
  ['TQ*, implicit estimator, kl 0.2, union proposer', 'tqstar', 'direct', { estimator: 'implicit', strength: 'kl', klBudget: 0.2, proposer: 'union', selection: 'sample' }],
  ['CD, strength kl 0.3, sampling', 'cd', 'oracle', { strength: 'kl', klBudget: 0.3, selection: 'sample' }],
];

for (const [name, strategy, envKind, extra] of CASES) {
  test(`exactStrategyValue agrees with the decoder to 1e-12: ${name}`, { timeout: 60_000 }, async () => {
    const P = params({ topK: 3, maxTokens: 1, ...extra });
    const env = envKind === 'direct' ? directEnv(suite) : oracleEnv(suite, strategy === 'cd' ? 'qBase' : 'qStar');
    const fromDecoder = exact.evaluate(await decoderPolicy(strategy, env, P));
    const e = exactStrategyValue(suite, strategy, P)!;
    assert.ok(Math.abs(e.reward - fromDecoder.reward) < 1e-12 && Math.abs(e.kl - fromDecoder.kl) < 1e-12, `${e.reward}/${e.kl} vs ${fromDecoder.reward}/${fromDecoder.kl}`);
  });
}

test('exactStrategyValue: strength "spread" has no exact value (α depends on the rewards a run has seen)', () => {
  assert.equal(exactStrategyValue(suite, 'tqstar', params({ strength: 'spread' })), null);
});
