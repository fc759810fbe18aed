// Runs one bench row against a server: decodes every prompt × seed through HTTP and collects the raw per-run measurements.
import { buildEnv, loadRunConfig, type RequestLogLine } from '../src/backends/index';
import { applyRewardTemplate } from '../src/backends/templates';
import type { RunConfigInput } from '../src/config/schema';
import { decode, runStrategies, type DecodeResult, type DecodingParams } from '../src/core/index';
import type { DecodeEnv } from '../src/core/context';
import { defaultServed } from '../src/server/registry';
import { demoRunConfig, tabularRunConfig } from '../src/server/demoConfig';
import { naiveModel, naiveReward, Serial } from './naive';
import { noEos } from './noEos';
import { newRecording, recordModel, recordReward, type Recording } from '../src/eval/recorder';
import { qErrors } from './exactTabular';
import { replayCpuMs } from './replay';
import type { BenchServer } from './server';
import type { Row } from './settings';

export interface RunMeasure {
  prompt: string;
  seed: number;
  text: string;
  reward: number | null;
  finish: string;
  error?: string;
  /** Response tokens plus the EOS decision when the response ended by EOS (it costs a step too). */
  outputTokens: number;
  steps: number;
  httpRequests: number;
  /** HTTP requests sent during the steps (the prompt's tokenisation and the final answer's reward excluded). */
  stepHttpRequests: number;
  /** HTTP requests of the steps after the first (the first also fetches the baseline's top-k at the prompt). */
  laterStepHttpRequests: number;
  /** Of the steps' requests, the ones that are not token-text look-ups (/detokenize). */
  stepModelRequests: number;
  /** Positions the models generated (rollout tokens incl. EOS, next-token positions). */
  generatedTokens: number;
  /** HTTP bytes the client received from / sent to the servers during the run (headers included), counted at the server. */
  bytesReceived: number;
  bytesSent: number;
  /** The core's own count: generated plus scored tokens (RunStats.modelTokens). */
  coreModelTokens: number;
  wallMs: number;
  /** This process's CPU during the live decode: the decoder plus its HTTP client (the server runs elsewhere). */
  clientCpuMs: number;
  /** The reference server's CPU during the decode (null when it runs in this process). */
  serverCpuMs: number | null;
  /** The decoder alone, replayed without servers (null when not replayed). */
  coreCpuMs: number | null;
  peakRssMb: number;
  notes: { skipped: number; shrunk: number; blockSteps: number; blockTokens: number; speculated: number; speculated2: number };
  /** Sum over steps of log selectProb − log π_base of the chosen token (null when not defined, e.g. block-accepted tokens). */
  logRatio: number | null;
  /** Tabular direct rows: Q̂ − Q*_r of every rollout-valued candidate. */
  qErrors: number[];
  recording: Recording;
}

export function runConfigFor(row: Row, server: BenchServer, params: DecodingParams): RunConfigInput {
  const url = row.eosOff ? server.eosOffUrl : server.url;
  const cfg = row.world === 'demo' ? demoRunConfig(url) : tabularRunConfig(url);
  if (row.baseline) (cfg.baseline as { model: string }).model = row.baseline;
  return { ...cfg, decoding: params };
}

const served = defaultServed();
const rewardModel = (name: string) => {
  const r = served.rewards.find((x) => x.name === name);
  if (!r) throw new Error(`bench: no served reward "${name}"`);
  return r;
};

export interface MeasureOptions {
  prompts: string[];
  seeds: number[];
  /** Replays per run for the decoder's CPU (0: none). */
  cpuReplays: number;
  /** Keep each run's request schedule (the timed pass needs it for the critical path; the quality pass drops it to keep RSS about the decoder). */
  keepSchedule?: boolean;
  /** Cap on response tokens (a timed reference run may stop early; per-token metrics stay per token). */
  maxTokens?: number;
}

export async function measureRow(row: Row, server: BenchServer, params: DecodingParams, o: MeasureOptions): Promise<RunMeasure[]> {
  const p = o.maxTokens ? { ...params, maxTokens: Math.min(params.maxTokens, o.maxTokens) } : params;
  const config = loadRunConfig(runConfigFor(row, server, p));
  let sink: ((l: RequestLogLine) => void) | undefined;
  const built = await buildEnv(config, { log: (l) => sink?.(l) });
  const names = {
    base: config.base.model ?? 'base',
    baseline: config.baseline.model ?? 'baseline',
    reward: 'model' in config.reward && config.reward.model ? config.reward.model : 'reward',
    baselineReward: config.baselineReward && 'model' in config.baselineReward && config.baselineReward.model ? config.baselineReward.model : 'baselineReward',
  };
  const template = (c: typeof config.reward | undefined) => (c && 'template' in c ? c.template : undefined);
  const counter = (name: string, t: string | undefined) => {
    const m = rewardModel(name);
    return (pair: { prompt: string; response: string }) => m.countTokens(applyRewardTemplate(t, pair.prompt, pair.response));
  };
  const out: RunMeasure[] = [];
  for (const prompt of o.prompts) {
    for (const seed of o.seeds) {
      const wire = newRecording();
      // The naive row's decoder sees batched answers (replayed for CPU), the server sees single requests.
      const decoderRec = row.naive ? newRecording() : wire;
      const e = row.eosOff ? { ...built.env, base: noEos(built.env.base), baseline: noEos(built.env.baseline) } : built.env;
      let env: DecodeEnv = {
        base: recordModel(e.base, 'base', names.base, wire),
        baseline: recordModel(e.baseline, 'baseline', names.baseline, wire),
        reward: recordReward(e.reward, 'reward', names.reward, counter(names.reward, template(config.reward)), wire),
        ...(e.baselineReward ? { baselineReward: recordReward(e.baselineReward, 'baselineReward', names.baselineReward, counter(names.baselineReward, template(config.baselineReward)), wire) } : {}),
      };
      if (row.naive) {
        const lock = new Serial();
        env = {
          base: recordModel(naiveModel(env.base, lock), 'base', names.base, decoderRec),
          baseline: recordModel(naiveModel(env.baseline, lock), 'baseline', names.baseline, decoderRec),
          reward: recordReward(naiveReward(env.reward, lock), 'reward', names.reward, () => 0, decoderRec),
          ...(env.baselineReward ? { baselineReward: recordReward(naiveReward(env.baselineReward, lock), 'baselineReward', names.baselineReward, () => 0, decoderRec) } : {}),
        };
      }
      const lines: Array<RequestLogLine & { t: number }> = [];
      sink = (l) => lines.push({ ...l, t: performance.now() });
      let peak = process.memoryUsage.rss();
      let stepsFrom = Infinity;
      let stepsTo = -Infinity;
      let firstStepAt = Infinity;
      const runParams = { ...p, seed };
      const s0 = await server.usage();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r: DecodeResult = await decode(row.strategy ?? 'tqstar', { text: prompt }, env, runParams, {
        onEvent: (ev) => {
          if (ev.type === 'start') stepsFrom = performance.now();
          if (ev.type !== 'step') return;
          stepsTo = performance.now();
          firstStepAt = Math.min(firstStepAt, stepsTo);
          peak = Math.max(peak, process.memoryUsage.rss());
        },
      });
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      const s1 = await server.usage();
      sink = undefined;
      // Requests the model wrappers cannot see (token-text look-ups) join the schedule with their overhead only.
      for (const l of lines) if (!/\/(completions|pooling|classify|tokenize)$/.test(l.url)) wire.calls.push({ engine: 'aux', what: l.url, start: l.t - l.ms, end: l.t, seqs: [], generated: 0 });
      const coreCpuMs = o.cpuReplays > 0 ? await replayCpuMs(row.strategy ?? 'tqstar', prompt, { base: e.base.eosId, baseline: e.baseline.eosId }, !!e.baselineReward, runParams, decoderRec, o.cpuReplays, { base: env.base.cheapTokenScoring, baseline: env.baseline.cheapTokenScoring }) : null;
      out.push({
        prompt,
        seed,
        text: r.text,
        reward: r.reward,
        finish: r.finish,
        ...(r.error ? { error: `${r.error.kind}: ${r.error.message}` } : {}),
        outputTokens: r.tokens.length + (r.finish === 'eos' ? 1 : 0),
        steps: r.steps.length,
        httpRequests: lines.length,
        stepHttpRequests: lines.filter((l) => l.t > stepsFrom && l.t <= stepsTo).length,
        laterStepHttpRequests: lines.filter((l) => l.t > firstStepAt && l.t <= stepsTo).length,
        stepModelRequests: lines.filter((l) => l.t > stepsFrom && l.t <= stepsTo && !l.url.endsWith('/detokenize')).length,
        generatedTokens: wire.calls.reduce((s, c) => s + c.generated, 0),
        coreModelTokens: r.stats.modelTokens,
        wallMs,
        clientCpuMs: (cpu.user + cpu.system) / 1000,
        coreCpuMs,
        serverCpuMs: s0.cpuMs === null || s1.cpuMs === null ? null : s1.cpuMs - s0.cpuMs,
        bytesReceived: s1.bytesOut - s0.bytesOut,
        bytesSent: s1.bytesIn - s0.bytesIn,
        peakRssMb: peak / 2 ** 20,
        notes: {
          skipped: r.steps.filter((s) => s.note?.includes('skipMass')).length,
          shrunk: r.steps.filter((s) => s.note?.includes('coverMass')).length,
          blockSteps: r.steps.filter((s) => s.accepted.length > 0).length,
          blockTokens: r.steps.reduce((n, s) => n + s.accepted.length, 0),
          speculated: r.steps.filter((s) => s.note?.includes('drawn ahead by speculation')).length,
          speculated2: r.steps.filter((s) => s.note?.includes('drawn ahead by speculation two steps before')).length,
        },
        logRatio: logRatio(r),
        qErrors: row.world === 'tabular' && (row.strategy ?? 'tqstar') === 'tqstar' && p.transfer === 'direct' && !row.baseline ? qErrors(prompt, r) : [],
        recording: o.keepSchedule ? { calls: wire.calls, results: new Map() } : newRecording(),
      });
    }
  }
  built.dispose();
  return out;
}

/** log π_dec(y) − log π_base(y) along the run, from each step's selection probability (defined when every token was selected). */
function logRatio(r: DecodeResult): number | null {
  let s = 0;
  for (const step of r.steps) {
    if (step.accepted.length) return null;
    const c = step.candidates.find((x) => x.chosen);
    if (!c || c.logprobBase === null || !(c.selectProb > 0)) return null;
    s += Math.log(c.selectProb) - c.logprobBase;
  }
  return s;
}

export interface CompareMeasure {
  prompt: string;
  strategies: string[];
  /** Each strategy decoded alone, one after another: its wall ms. */
  aloneMs: Record<string, number>;
  /** All of them through runStrategies (side by side): wall ms. */
  compareMs: number;
  /** The same with `concurrency: 1` (one after another, as before). */
  inTurnMs: number;
  slowest: string;
  /** compareMs / the slowest strategy's alone ms (target ≤ 1.3). */
  ratio: number;
  errors: string[];
}

/** A Compare of every strategy against the same server: alone, in turn, and side by side. */
export async function measureCompare(row: Row, server: BenchServer, params: DecodingParams, prompt: string): Promise<CompareMeasure> {
  const config = loadRunConfig(runConfigFor(row, server, params));
  const built = await buildEnv(config);
  const strategies = row.strategies!;
  const errors: string[] = [];
  try {
    const aloneMs: Record<string, number> = {};
    for (const s of strategies) {
      const t0 = performance.now();
      const r = await decode(s, { text: prompt }, built.env, params);
      aloneMs[s] = performance.now() - t0;
      if (r.error) errors.push(`${s}: ${r.error.message}`);
    }
    const t1 = performance.now();
    const inTurn = await runStrategies(strategies, { text: prompt }, built.env, params, { concurrency: 1 });
    const inTurnMs = performance.now() - t1;
    const t2 = performance.now();
    const together = await runStrategies(strategies, { text: prompt }, built.env, params);
    const compareMs = performance.now() - t2;
    for (const r of [...inTurn.results, ...together.results]) if (r.error) errors.push(`${r.strategy}: ${r.error.message}`);
    const slowest = strategies.reduce((a, b) => (aloneMs[b]! > aloneMs[a]! ? b : a));
    return { prompt, strategies, aloneMs, compareMs, inTurnMs, slowest, ratio: compareMs / aloneMs[slowest]!, errors };
  } finally {
    built.dispose();
  }
}
