// The held-out score (fluency by default, or a second reward), the reward scale, and the paired targets against the
// baseline and Best-of-N's frontier, on the in-process tabular models with values computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDecodingParams, type DecodeEnv } from '../../src/core/index';
import type { RunConfig } from '../../src/config/schema';
import { bonAt, frontierTargets } from '../../src/eval/frontier';
import { fluency, scaledReward } from '../../src/eval/heldOut';
import type { AnswerRecord, EvalRecord } from '../../src/eval/records';
import { planEval, runEval } from '../../src/eval/runner';
import { heldOutValue, summarise } from '../../src/eval/summary';
import { tabularSuite } from '../../src/models/inProcess';

const suite = tabularSuite({ beta: 1 });
const { world, dists } = suite;
const EOS = world.eosId;
const env: DecodeEnv = { base: suite.base, baseline: suite.rhoStarR, reward: suite.reward };
const config = { decoding: parseDecodingParams({ maxTokens: 8, bestOfN: 4, topK: 6, horizon: 8, rollouts: 2 }), strategies: [] } as unknown as RunConfig;
const PROMPT = { id: 'abcd', text: 'a b c d' };
const S = [0, 1, 2, 3];

async function run(strategies: Parameters<typeof planEval>[0]['strategies'], seeds: number[], extra: Partial<Parameters<typeof runEval>[1]> = {}) {
  const plan = planEval({ config, strategies, sweeps: [], prompts: [PROMPT], seeds, reference: 'baseline' });
  const written: EvalRecord[] = [];
  const res = await runEval(plan, { env, done: new Map(), write: (x) => written.push(x), concurrency: 2, ...extra });
  assert.equal(res.complete, true);
  return res.answers;
}

test('fluency = log π_base(y|x) per output token, EOS counted; the baseline alone\'s by hand; old records derive it from logBase', async () => {
  const as = await run(['baseline', 'sample'], [0, 1, 2]);
  // From "a b c d" (L = 5) an answer is EOS alone or one word then the forced EOS.
  const p = dists.base(S);
  const rho = dists.rhoStarR(S);
  const yb = [...rho.keys()].reduce((b, z) => (rho[z]! > rho[b]! ? z : b), 0);
  const want = yb === EOS ? Math.log(p[EOS]!) : (Math.log(p[yb]!) + Math.log(dists.base([...S, yb])[EOS]!)) / 2;
  for (const a of as) {
    assert.equal(a.heldOut!.name, 'fluency');
    assert.ok(Math.abs(a.heldOut!.value! - a.logBase! / a.outputTokens) < 1e-12);
    if (a.strategy === 'baseline') assert.ok(Math.abs(a.heldOut!.value! - want) < 1e-9, `${a.heldOut!.value} vs ${want}`);
    const { heldOut, ...old } = a;
    assert.ok(heldOut);
    assert.deepEqual(heldOutValue(old as AnswerRecord), a.heldOut);
  }
  assert.equal(fluency(null, 3), null);
  assert.equal(fluency(-2, 0), null);
  const s = summarise(as, [], null);
  assert.equal(s.points.find((x) => x.strategy === 'baseline')!.heldOut!.name, 'fluency');
});

test('a second reward as the held-out score, and the reward scale: every reward ×c, the decisions unchanged for Best-of-N', async () => {
  const second = { label: 'length', async score(pairs: { prompt: string; response: string }[]) { return pairs.map((x) => x.response.length); } };
  const as = await run(['bon'], [0, 1, 2, 3], { heldOut: { kind: 'reward', name: 'length', source: second } });
  for (const a of as) assert.deepEqual(a.heldOut, { name: 'length', value: a.text.length });
  const scaled = await run(['bon'], [0, 1, 2, 3], { env: { ...env, reward: scaledReward(env.reward, 10) } });
  as.forEach((a, i) => {
    assert.equal(scaled[i]!.text, a.text, 'Best-of-N keeps the same answer at any positive scale');
    assert.ok(Math.abs(scaled[i]!.reward! - 10 * a.reward!) < 1e-9, `${scaled[i]!.reward} vs 10 × ${a.reward}`);
  });
});

test('Best-of-N\'s frontier at equal compute: linear in log compute between the bracketing points, per pair; outside, the nearest (flagged)', () => {
  const m = (xs: number[]) => new Map(xs.map((x, i) => [`p${i}`, x]));
  const bon = [
    { label: 'N=2', cost: 2, rewards: m([0, 1]) },
    { label: 'N=8', cost: 8, rewards: m([1, 3]) },
  ];
  const mid = bonAt(4, bon)!; // log 4 is halfway between log 2 and log 8
  assert.deepEqual(mid.between, ['N=2', 'N=8']);
  assert.equal(mid.where, 'inside');
  assert.ok(Math.abs(mid.at.get('p0')! - 0.5) < 1e-12 && Math.abs(mid.at.get('p1')! - 2) < 1e-12);
  assert.equal(bonAt(1, bon)!.where, 'below');
  assert.equal(bonAt(16, bon)!.where, 'above');
  assert.deepEqual(bonAt(16, bon)!.between, ['N=8']);
  assert.equal(bonAt(4, []), null);
});

test('frontierTargets pairs answers by prompt and seed: Δ and its SE from the per-pair differences', () => {
  const rec = (point: string, strategy: string, seed: number, reward: number, modelTokens: number, logBase: number): AnswerRecord =>
    ({ kind: 'answer', key: `${point}${seed}`, point, label: point, strategy, swept: {}, promptId: 'x', prompt: 'x', seed, decodeSeed: seed, text: '', finish: 'eos', reward, baselineReward: null, outputTokens: 2, modelTokens, requests: 1, rewardCalls: 1, rewardInputs: 1, wallMs: 1, logBase, kl: null, diversity: 1, coherence: null, exact: null }) as AnswerRecord;
  const as = [
    ...[0, 1, 2].map((s) => rec('base', 'baseline', s, s, 2, -2)),
    ...[0, 1, 2].map((s) => rec('b2', 'bon', s, s + 1, 4, -2)),
    ...[0, 1, 2].map((s) => rec('b8', 'bon', s, s + 3, 16, -2)),
    ...[1, 3, 8].map((r, s) => rec('t', 'tqstar', s, r, 8, -4)),
  ];
  const [t] = frontierTargets(summarise(as, [], 'base'), as);
  // Differences vs the baseline: 1, 2, 6 → mean 3, sd √7, SE √(7/3).
  assert.ok(Math.abs(t!.vsBaseline!.delta - 3) < 1e-12 && Math.abs(t!.vsBaseline!.se! - Math.sqrt(7 / 3)) < 1e-12);
  // At compute 4 (halfway in log between 2 and 8 tokens per output token): Best-of-N per pair s + 2 → differences −1, 0, 4.
  assert.ok(Math.abs(t!.vsBon!.delta - 1) < 1e-12, String(t!.vsBon!.delta));
  // Held-out (fluency −4/2 against −2/2): −1 on every pair, SE 0.
  assert.ok(Math.abs(t!.heldOutVsBaseline!.delta - -1) < 1e-12 && t!.heldOutVsBaseline!.se === 0);
});

test('the share of steps the gate steered: every step at minEntropy 0, none at 100, absent without a gate; the summary pools it', async () => {
  const at = async (gate: Record<string, unknown>) => {
    const cfg = { decoding: parseDecodingParams({ maxTokens: 8, topK: 4, horizon: 4, rollouts: 1, gate }), strategies: [] } as unknown as RunConfig;
    const plan = planEval({ config: cfg, strategies: ['tqstar', 'bon'], sweeps: [], prompts: [PROMPT, { id: 'ab', text: 'a b' }], seeds: [0, 1], reference: 'bon' });
    const res = await runEval(plan, { env, done: new Map(), write: () => undefined, concurrency: 2 });
    return { answers: res.answers, summary: summarise(res.answers, [], null) };
  };
  const all = await at({ by: 'entropy', minEntropy: 0 });
  for (const a of all.answers.filter((x) => x.strategy === 'tqstar')) assert.ok(a.steered && a.steered.gated > 0 && a.steered.steered === a.steered.gated, JSON.stringify(a.steered));
  assert.equal(all.summary.points.find((p) => p.strategy === 'tqstar')!.steered, 1);
  assert.equal(all.summary.points.find((p) => p.strategy === 'bon')!.steered, null, 'Best-of-N has no gate');
  const none = await at({ by: 'entropy', minEntropy: 100 });
  for (const a of none.answers.filter((x) => x.strategy === 'tqstar')) assert.ok(a.steered && a.steered.gated > 0 && a.steered.steered === 0, JSON.stringify(a.steered));
  assert.equal(none.summary.points.find((p) => p.strategy === 'tqstar')!.steered, 0);
  const ungated = await at({ by: 'none' });
  assert.equal(ungated.summary.points.find((p) => p.strategy === 'tqstar')!.steered, null);
});
