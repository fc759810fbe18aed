// One row's results from its raw runs: quality (quality pass) and timing (timed pass under the latency model).
import type { DecodingParams } from '../src/config/schema';
import type { LatencyOptions } from '../src/server/index';
import { criticalPathMs } from '../src/eval/criticalPath';
import { exactTabularObjective, tabularBeta } from './exactTabular';
import type { RunMeasure } from './measure';
import type { Row } from './settings';
import { meanSe, sum, type MeanSe } from './stats';

export interface RowResult {
  id: string;
  label: string;
  world: string;
  strategy: string;
  reference: boolean;
  setting: { k: number; N: number; H: number; alpha: number; transfer: string; selection: string; maxTokens: number; speed: DecodingParams['speed'] };
  runs: number;
  errors: string[];
  reward: MeanSe;
  /** Tabular rows: the exact objective of the policy the decoder estimates (Q̂ → Q*), averaged over prompts, and a plug-in estimate from the runs. */
  exact?: { reward: number; kl: number; objective: number; objectiveEstimate: MeanSe | null; qError: MeanSe | null };
  outputTokensPerRun: number;
  /** HTTP requests sent during the steps, per step (the prompt's tokenisation and the final reward excluded). */
  httpRequestsPerStep: number;
  /** HTTP requests per step after each run's first step (the steady state). */
  httpRequestsPerLaterStep: number;
  /** The same without token-text look-ups (/detokenize): the model and reward requests of a step. */
  modelRequestsPerStep: number;
  /** All HTTP requests of a run, per output token. */
  httpRequestsPerOutputToken: number;
  generatedTokensPerOutputToken: number;
  /** HTTP bytes received from the servers per output token (quality pass; headers included). */
  bytesReceivedPerOutputToken: number;
  bytesSentPerOutputToken: number;
  coreModelTokensPerOutputToken: number;
  speedNotes: { skippedSteps: number; shrunkSteps: number; blockSteps: number; blockTokens: number; speculatedSteps: number; speculated2Steps: number; steps: number };
  decoderCpuMsPerStep: number | null;
  clientCpuMsPerStep: number;
  /** The reference server's CPU per step (its stand-in models, JSON), null with --in-process-server. */
  serverCpuMsPerStep: number | null;
  peakRssMb: number;
  timing: null | {
    runs: number;
    outputTokens: number;
    maxTokensCap: number | null;
    wallMsPerOutputToken: number;
    criticalPathMsPerOutputToken: number;
    /** The same schedule costed as if the reward server cached the inputs' shared prefix (an estimate, not a measured wall). */
    criticalPathWithRewardCacheMsPerOutputToken: number;
    wallOverCriticalPath: number;
  };
}

export function aggregate(row: Row, p: DecodingParams, quality: RunMeasure[], timed: RunMeasure[] | null, latency: LatencyOptions, timedCap: number | null): RowResult {
  const steps = sum(quality.map((r) => r.steps));
  const outTok = sum(quality.map((r) => r.outputTokens));
  const replayed = quality.filter((r) => r.coreCpuMs !== null);
  const rewards = quality.map((r) => r.reward).filter((x): x is number => x !== null);
  let exact: RowResult['exact'];
  if (row.world === 'tabular' && (row.strategy ?? 'tqstar') === 'tqstar') {
    const prompts = [...new Set(quality.map((r) => r.prompt))];
    const vals = prompts.map((q) => exactTabularObjective(q, row.baseline ?? 'tabular-rho-r', p));
    const est = quality.filter((r) => r.reward !== null && r.logRatio !== null).map((r) => r.reward! - tabularBeta * r.logRatio!);
    exact = {
      reward: meanSe(vals.map((v) => v.reward)).mean,
      kl: meanSe(vals.map((v) => v.kl)).mean,
      objective: meanSe(vals.map((v) => v.objective)).mean,
      objectiveEstimate: est.length === quality.length ? meanSe(est) : null,
      qError: quality.some((r) => r.qErrors.length) ? meanSe(quality.flatMap((r) => r.qErrors)) : null,
    };
  }
  let timing: RowResult['timing'] = null;
  if (timed?.length) {
    const tOut = sum(timed.map((r) => r.outputTokens));
    const wall = sum(timed.map((r) => r.wallMs));
    const cp = sum(timed.map((r) => criticalPathMs(latency, r.recording.calls)));
    const cpCached = sum(timed.map((r) => criticalPathMs(latency, r.recording.calls, { rewardPrefixCache: true })));
    timing = { runs: timed.length, outputTokens: tOut, maxTokensCap: timedCap, wallMsPerOutputToken: wall / tOut, criticalPathMsPerOutputToken: cp / tOut, criticalPathWithRewardCacheMsPerOutputToken: cpCached / tOut, wallOverCriticalPath: wall / cp };
  }
  return {
    id: row.id,
    label: row.label,
    world: row.world,
    strategy: row.strategy ?? 'tqstar',
    reference: row.naive,
    setting: { k: p.topK, N: p.rollouts, H: p.horizon, alpha: p.alpha, transfer: p.transfer, selection: p.selection, maxTokens: p.maxTokens, speed: p.speed },
    runs: quality.length,
    errors: [...quality, ...(timed ?? [])].filter((r) => r.error).map((r) => `${r.prompt} #${r.seed}: ${r.error}`),
    reward: meanSe(rewards),
    ...(exact ? { exact } : {}),
    outputTokensPerRun: outTok / quality.length,
    httpRequestsPerStep: sum(quality.map((r) => r.stepHttpRequests)) / steps,
    httpRequestsPerLaterStep: sum(quality.map((r) => r.laterStepHttpRequests)) / sum(quality.map((r) => Math.max(0, r.steps - 1))),
    modelRequestsPerStep: sum(quality.map((r) => r.stepModelRequests)) / steps,
    httpRequestsPerOutputToken: sum(quality.map((r) => r.httpRequests)) / outTok,
    generatedTokensPerOutputToken: sum(quality.map((r) => r.generatedTokens)) / outTok,
    bytesReceivedPerOutputToken: sum(quality.map((r) => r.bytesReceived)) / outTok,
    bytesSentPerOutputToken: sum(quality.map((r) => r.bytesSent)) / outTok,
    coreModelTokensPerOutputToken: sum(quality.map((r) => r.coreModelTokens)) / outTok,
    speedNotes: {
      skippedSteps: sum(quality.map((r) => r.notes.skipped)),
      shrunkSteps: sum(quality.map((r) => r.notes.shrunk)),
      blockSteps: sum(quality.map((r) => r.notes.blockSteps)),
      blockTokens: sum(quality.map((r) => r.notes.blockTokens)),
      speculatedSteps: sum(quality.map((r) => r.notes.speculated)),
      /** Of those, served by rollouts drawn two steps before (speed.speculateDepth 2). */
      speculated2Steps: sum(quality.map((r) => r.notes.speculated2)),
      steps,
    },
    decoderCpuMsPerStep: replayed.length ? sum(replayed.map((r) => r.coreCpuMs!)) / sum(replayed.map((r) => r.steps)) : null,
    clientCpuMsPerStep: sum(quality.map((r) => r.clientCpuMs)) / steps,
    serverCpuMsPerStep: quality.every((r) => r.serverCpuMs !== null) ? sum(quality.map((r) => r.serverCpuMs!)) / steps : null,
    peakRssMb: Math.max(...quality.map((r) => r.peakRssMb), ...(timed ?? []).map((r) => r.peakRssMb)),
    timing,
  };
}
