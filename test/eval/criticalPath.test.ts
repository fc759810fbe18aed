// `tqstar eval --latency`: each answer's critical path against dependency graphs built by hand from what the decoder sent (tabular world, real HTTP).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyRewardTemplate } from '../../src/backends/templates';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import type { RunConfig, StrategyName } from '../../src/config/schema';
import type { DecodeEnv } from '../../src/core/index';
import type { Completion, LanguageModel, RewardPair, RewardSource } from '../../src/core/model';
import { evalLatency } from '../../src/eval/latencyCost';
import type { EvalRecord } from '../../src/eval/records';
import { planEval, runEval } from '../../src/eval/runner';
import { summarise, summaryTable } from '../../src/eval/summary';
import { tabularEvalWorld } from '../../src/eval/worlds';
import { criticalPathMs, isolatedRequestMs, startServer, type LatencyOptions, type RunningServer, type ScheduledRequest } from '../../src/server/index';
import { defaultServed } from '../../src/server/registry';

// Every cost term non-zero and distinct, so that a wrong count of requests, passes, sequences or prompt tokens shows.
const LAT: LatencyOptions = { request: 5, prefill: 0.5, step: 2, stepGrowth: 0.25, maxSeqs: 256, block: 1, cacheBlocks: 4096 };
const PROMPT = { id: 'abcd', text: 'a b c d' };

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

/** What the decoder asked and got, seen through a pass-through wrapper (the calls still go to the server). */
interface Seen {
  encoded: number[][];
  sampled: { prompt: number[]; completions: Completion[] }[];
  rewarded: RewardPair[][];
  otherCalls: string[];
  eos: number | null;
}
function watch(env: DecodeEnv): { env: DecodeEnv; seen: Seen } {
  const seen: Seen = { encoded: [], sampled: [], rewarded: [], otherCalls: [], eos: env.base.eosId };
  const model = (m: LanguageModel, role: string): LanguageModel => ({
    label: m.label,
    get eosId() {
      return m.eosId;
    },
    warnings: m.warnings,
    encode: async (t, o) => {
      const ids = await m.encode(t, o);
      if (role === 'base') seen.encoded.push(ids);
      return ids;
    },
    sample: async (req, o) => {
      const r = await m.sample(req, o);
      r.forEach((cs, i) => seen.sampled.push({ prompt: [...req.prompts[i]!], completions: cs }));
      return r;
    },
    nextTokens: (p, k, o) => (seen.otherCalls.push(`${role}.nextTokens`), m.nextTokens(p, k, o)),
    score: (req, o) => (seen.otherCalls.push(`${role}.score`), m.score(req, o)),
  });
  const reward = (r: RewardSource): RewardSource => ({ label: r.label, score: async (pairs, o) => (seen.rewarded.push(pairs), r.score(pairs, o)) });
  return { env: { ...env, base: model(env.base, 'base'), baseline: model(env.baseline, 'baseline'), reward: reward(env.reward) }, seen };
}

async function evalOne(strategy: StrategyName, config: RunConfig, seed: number) {
  const { env: inner } = await buildEnv(config);
  const { env, seen } = watch(inner);
  const plan = planEval({ config, strategies: [strategy], sweeps: [], prompts: [PROMPT], seeds: [seed], reference: strategy });
  const written: EvalRecord[] = [];
  // The KL scoring after the decode goes through the same base: only the decode's own calls are on the critical path.
  const res = await runEval(plan, { env, done: new Map(), write: (x) => written.push(x), concurrency: 1, latency: evalLatency(config, LAT) });
  assert.equal(res.complete, true);
  assert.equal(res.answers.length, 1);
  return { answer: res.answers[0]!, seen, answers: res.answers };
}

const rewardModel = defaultServed().rewards.find((r) => r.name === 'tabular-reward')!;
const rewardTokens = (p: RewardPair) => rewardModel.countTokens(applyRewardTemplate(undefined, p.prompt, p.response));
const genTokens = (c: Completion, eos: number | null) => Math.max(1, c.tokens.length + (c.finish === 'eos' && eos !== null ? 1 : 0));

test('greedy: encode, one whole-response sample, one reward call — the critical path is their sum', { timeout: 60_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const config = loadRunConfig(w.config);
  assert.equal((config.reward as { template?: string }).template, undefined, 'the hand count below uses the raw reward template');
  const { answer: a, seen, answers } = await evalOne('greedy', config, 0);
  // The decoder's model and reward calls (the backend's token-text look-ups and probes are HTTP requests below them, not on the path).
  assert.equal(seen.encoded.length, 2, "the decoder's, then the KL scoring's after the decode");
  assert.deepEqual(seen.otherCalls.filter((c) => c !== 'base.score'), []);
  assert.equal(seen.sampled.length, 1);
  assert.equal(seen.rewarded.length, 1);
  const P = seen.encoded[0]!.length;
  const G = genTokens(seen.sampled[0]!.completions[0]!, seen.eos);
  const R = rewardTokens(seen.rewarded[0]![0]!);
  // By hand: encode = overhead; sample = overhead + one pass prefilling P tokens + a step per further token; reward = overhead + one pass over R tokens.
  const want = LAT.request + (LAT.request + LAT.step + LAT.prefill * P + (G - 1) * LAT.step) + (LAT.request + LAT.step + LAT.prefill * R);
  assert.equal(G, a.outputTokens, 'the sampled sequence is the answer');
  assert.ok(Math.abs(a.criticalPathMs! - want) < 1e-9, `critical path ${a.criticalPathMs} ms, by hand ${want} ms (P=${P}, G=${G}, R=${R})`);
  const s = summarise(answers, [], null).points[0]!;
  assert.ok(Math.abs(s.cost.criticalPathMsPerAnswer! - want) < 1e-9);
  assert.ok(Math.abs(s.cost.criticalPathMsPerOutputToken! - want / a.outputTokens) < 1e-9);
  assert.match(summaryTable(summarise(answers, [], null)), /CP ms\/ans/);
});

test('Best-of-N: one sample request of N sequences and one reward call — not N of either', { timeout: 60_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const N = 6;
  const config = loadRunConfig({ ...w.config, decoding: { ...w.config.decoding, bestOfN: N, bestOfNModel: 'base' } });
  for (const seed of [0, 1]) {
    const { answer: a, seen } = await evalOne('bon', config, seed);
    assert.equal(seen.encoded.length, 2, "the decoder's, then the KL scoring's after the decode");
    assert.equal(seen.sampled.length, 1);
    assert.equal(seen.rewarded.length, 1);
    assert.deepEqual(seen.otherCalls.filter((c) => c !== 'base.score'), []);
    const { prompt, completions } = seen.sampled[0]!;
    assert.equal(completions.length, N);
    const eos = seen.eos;
    // The graph by hand: encode → sample → reward, a chain. Within the sample request the first sequence prefills the
    // prompt and the other N−1 find it in the prefix cache but for its last token (which vLLM always recomputes).
    const schedule: ScheduledRequest[] = [
      { id: 'encode', sequences: [] },
      { id: 'sample', after: ['encode'], sequences: completions.map((c, i) => ({ newPromptTokens: i === 0 ? prompt.length : 1, genTokens: genTokens(c, eos) })) },
      { id: 'reward', after: ['sample'], sequences: seen.rewarded[0]!.map((p) => ({ newPromptTokens: rewardTokens(p), genTokens: 0 })) },
    ];
    const want = criticalPathMs(LAT, schedule);
    const sequential = schedule.reduce((s, r) => s + isolatedRequestMs(LAT, r.sequences), 0);
    assert.ok(Math.abs(want - sequential) < 1e-9, 'a chain: the critical path is the sum');
    assert.ok(Math.abs(a.criticalPathMs! - want) < 1e-9, `seed ${seed}: critical path ${a.criticalPathMs} ms, by hand ${want} ms`);
    // N sequences in one pass are cheaper than N requests: what batching buys.
    const unbatched = LAT.request + completions.reduce((s, c) => s + isolatedRequestMs(LAT, [{ newPromptTokens: prompt.length, genTokens: genTokens(c, eos) }]), 0);
    assert.ok(isolatedRequestMs(LAT, schedule[1]!.sequences) < unbatched);
  }
});

test('without latency the answers have no critical path and the table no CP column; a config off the reference server is refused', { timeout: 60_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const config = loadRunConfig(w.config);
  const { env } = await buildEnv(config);
  const plan = planEval({ config, strategies: ['greedy'], sweeps: [], prompts: [PROMPT], seeds: [0], reference: 'greedy' });
  const res = await runEval(plan, { env, done: new Map(), write: () => {}, concurrency: 1 });
  assert.equal(res.answers[0]!.criticalPathMs, undefined);
  const s = summarise(res.answers, [], null);
  assert.equal(s.points[0]!.cost.criticalPathMsPerAnswer, null);
  assert.doesNotMatch(summaryTable(s), /CP ms/);
  const other = loadRunConfig({ ...w.config, base: { ...w.config.base, model: 'my-own-model' } });
  assert.throws(() => evalLatency(other, LAT), /"my-own-model" is not served by the reference server/);
});
