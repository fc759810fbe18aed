// KL along the answer and the exact E[r] − β·KL of `tqstar eval` on the tabular models, against values computed by hand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import type { RunConfig, StrategyName } from '../../src/config/schema';
import type { DecodeEnv } from '../../src/core/index';
import { planEval, runEval } from '../../src/eval/runner';
import type { AnswerRecord, EvalRecord } from '../../src/eval/records';
import { summarise } from '../../src/eval/summary';
import { tabularEvalWorld } from '../../src/eval/worlds';
import { tabularSuite } from '../../src/models/inProcess';
import { startServer, type RunningServer } from '../../src/server/index';
import { oracleEnv } from '../core/tabularEnv';

const suite = tabularSuite({ beta: 1 });
const { world, dists, rewardFn } = suite;
const EOS = world.eosId;
// From "a b c d" (4 words, L = 5) a response is EOS alone or one word then the forced EOS: every value is a short sum.
const PROMPT = { id: 'abcd', text: 'a b c d' };
const S = [0, 1, 2, 3];
const p = dists.base(S);
const r = (z: number) => (z === EOS ? rewardFn(S) : rewardFn([...S, z]));
const tokens = [...Array(EOS + 1).keys()];
const argmax = (d: Float64Array) => tokens.reduce((b, z) => (d[z]! > d[b]! ? z : b), 0);

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

async function evalOver(env: DecodeEnv, config: RunConfig, strategies: StrategyName[], seeds: number[], exact?: ReturnType<typeof tabularEvalWorld>['exact']) {
  const plan = planEval({ config, strategies, sweeps: [], prompts: [PROMPT], seeds, reference: strategies[0]! });
  const written: EvalRecord[] = [];
  const res = await runEval(plan, { env, exact, done: new Map(), write: (x) => written.push(x), concurrency: 4 });
  assert.equal(res.complete, true);
  return res.answers;
}

const only = (as: AnswerRecord[], s: StrategyName) => as.filter((a) => a.strategy === s);

test('over HTTP: greedy, baseline, sampling and Best-of-2 — per-answer KL and the exact columns equal the hand values', { timeout: 60_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const config = loadRunConfig({ ...w.config, decoding: { ...w.config.decoding, bestOfN: 2, bestOfNModel: 'base' } });
  const { env } = await buildEnv(config);
  const as = await evalOver(env, config, ['greedy', 'baseline', 'sample', 'bon'], [0, 1, 2], w.exact);

  // Greedy: y = argmax π_base, KL = −log π_base(y) (a point mass), E[r] = r(y).
  const yg = argmax(p);
  for (const a of only(as, 'greedy')) {
    assert.ok(Math.abs(a.kl!.value - -Math.log(p[yg]!)) < 1e-9, `greedy KL ${a.kl!.value}`);
    assert.equal(a.kl!.estimator, 'exact');
    assert.ok(Math.abs(a.exact!.kl - -Math.log(p[yg]!)) < 1e-12);
    assert.ok(Math.abs(a.exact!.reward - r(yg)) < 1e-12);
    assert.ok(Math.abs(a.exact!.objective - (r(yg) + Math.log(p[yg]!))) < 1e-12, 'objective = E[r] − β·KL with β = 1');
    assert.ok(Math.abs(a.reward! - r(yg)) < 1e-12);
  }
  // The baseline alone: argmax of ρ*_r, KL against π_base.
  const yb = argmax(dists.rhoStarR(S));
  for (const a of only(as, 'baseline')) {
    assert.ok(Math.abs(a.kl!.value - -Math.log(p[yb]!)) < 1e-9);
    assert.ok(Math.abs(a.exact!.kl - -Math.log(p[yb]!)) < 1e-12);
  }
  // Sampling from π_base: KL 0 exactly, E[r] = Σ_z π_base(z) r(z).
  const er = tokens.reduce((s, z) => s + p[z]! * r(z), 0);
  for (const a of only(as, 'sample')) {
    assert.equal(a.kl!.value, 0);
    assert.equal(a.exact!.kl, 0);
    assert.ok(Math.abs(a.exact!.reward - er) < 1e-12);
  }
  // Best-of-2 from π_base: P(kept reward ≤ v) = F(v)², each response within a reward level in proportion to π_base.
  const levels = [...new Set(tokens.map(r))].sort((x, y) => x - y);
  let below = 0;
  let bonR = 0;
  let bonKl = 0;
  for (const v of levels) {
    const zs = tokens.filter((z) => r(z) === v);
    const mass = zs.reduce((s, z) => s + p[z]!, 0);
    const pLevel = (below + mass) ** 2 - below ** 2;
    below += mass;
    for (const z of zs) {
      const kept = (pLevel * p[z]!) / mass;
      bonR += kept * v;
      if (kept > 0) bonKl += kept * Math.log(kept / p[z]!);
    }
  }
  for (const a of only(as, 'bon')) {
    assert.ok(Math.abs(a.exact!.reward - bonR) < 1e-12);
    assert.ok(Math.abs(a.exact!.kl - bonKl) < 1e-12);
    // Sampled from π_base itself, the per-answer estimate is the bound log N − (N−1)/N alone.
    assert.ok(Math.abs(a.kl!.value - (Math.log(2) - 1 / 2)) < 1e-9, `bon KL ${a.kl!.value}`);
    assert.equal(a.kl!.estimator, 'bound');
    assert.ok(a.kl!.value >= bonKl - 1e-12, 'the bound is above the exact KL');
  }
  const sum = summarise(as, [], null);
  const g = sum.points.find((x) => x.strategy === 'greedy')!;
  assert.equal(g.answers, 3);
  assert.ok(Math.abs(g.exact!.objective - (r(yg) + Math.log(p[yg]!))) < 1e-12);
});

test('TQ* sampling with exact values: the plug-in KL averaged over seeds is the hand-computed KL of softmax(log π_base + α·Q*)', { timeout: 60_000 }, async () => {
  const w = tabularEvalWorld('http://127.0.0.1:9'); // only its decoding settings are used here: the env is in-process
  const config = loadRunConfig({ ...w.config, decoding: { ...w.config.decoding, topK: 6, alpha: 1, selection: 'sample' } });
  const env = oracleEnv(suite, 'qStar');
  const seeds = Array.from({ length: 400 }, (_, i) => i);
  const as = await evalOver(env, config, ['tqstar'], seeds);
  // One step: Q*(s, z) = r(s + z) (then EOS is forced), so π(z) ∝ π_base(z)·exp(r(z)).
  const wts = tokens.map((z) => p[z]! * Math.exp(r(z)));
  const Z = wts.reduce((a, b) => a + b, 0);
  const pi = wts.map((x) => x / Z);
  const kl = tokens.reduce((s, z) => s + (pi[z]! > 0 ? pi[z]! * Math.log(pi[z]! / p[z]!) : 0), 0);
  for (const a of as) assert.equal(a.kl!.estimator, 'plug-in');
  const vals = as.map((a) => a.kl!.value);
  const mean = vals.reduce((x, y) => x + y, 0) / vals.length;
  const sd = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1));
  const se = sd / Math.sqrt(vals.length);
  assert.ok(Math.abs(mean - kl) < 4 * se + 1e-9, `plug-in mean ${mean} vs exact ${kl} (SE ${se})`);
  // And each value is one of the k per-token log-ratios log π(z)/π_base(z).
  const ratios = tokens.filter((z) => pi[z]! > 0).map((z) => Math.log(pi[z]! / p[z]!));
  for (const v of vals) assert.ok(ratios.some((x) => Math.abs(x - v) < 1e-9), `value ${v} is not a log-ratio of the policy`);
});
