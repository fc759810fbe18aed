// One evaluation from settings to files: plan, resume from the JSONL, run, summary, report — shared by the CLI and VS Code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnv, type BackendOptions } from '../backends/index';
import type { RunConfig, StrategyName } from '../config/schema';
import { TqError } from '../core/errors';
import type { Embedder, PairJudge } from './clients';
import { compareAtEqual, comparisonText } from './compare';
import { frontierTargets, targetsText } from './frontier';
import { FLUENCY, heldOutName, scaledReward, type HeldOut } from './heldOut';
import { evalLatency } from './latencyCost';
import type { EvalPrompt } from './prompts';
import { appendRecord, readRecords, RecordsFileError, repairTail, type AnswerRecord, type EvalRecord, type JudgeRecord, type SkippedRecord } from './records';
import { htmlReport, plotSpecs } from './report';
import { configFingerprint, planEval, runEval, type EvalPlan, type Progress } from './runner';
import { summarise, summaryTable, type EvalSummary } from './summary';
import { scatterSvg } from './svg';
import type { Sweep } from './sweep';
import type { EvalWorld } from './worlds';
import type { LatencyOptions } from '../server/latency';

export interface SessionInput {
  config: RunConfig;
  prompts: EvalPrompt[];
  /** Where the prompts came from, for the report ("built-in", a file name). */
  promptSource: string;
  seeds: number[];
  strategies: StrategyName[];
  sweeps: Sweep[];
  reference: StrategyName;
  outDir: string;
  /** A built-in world: its exact values, its description, and its name as the item keys' server identity. */
  world?: EvalWorld;
  /** What the config is, when it is not a built-in world (the report's first line). */
  configLabel?: string;
  embedder?: Embedder;
  judge?: PairJudge;
  concurrency?: number;
  /** The latency model the reference server runs (`--latency`, built-in demo/tabular worlds): each answer's critical path under it. */
  latency?: { spec: string; options: LatencyOptions };
  backend?: BackendOptions;
  /** The held-out score (default: fluency, log π_base per output token; needs no server). */
  heldOut?: HeldOut;
  /** Multiply the target reward by this (the scale-free check); part of the items' identity when ≠ 1. */
  rewardScale?: number;
  signal?: AbortSignal;
  onStart?(plan: EvalPlan, concurrency: number, jsonl: string): void;
  onProgress?(p: Progress): void;
  onWarning?(message: string): void;
}

export interface SessionResult {
  plan: EvalPlan;
  summary: EvalSummary;
  answers: AnswerRecord[];
  judged: JudgeRecord[];
  complete: boolean;
  notes: string[];
  table: string;
  files: { jsonl: string; report: string; summaryJson: string; summaryTxt: string; plots: string[] };
  /** TQ* against each peer at equal compute and equal KL (empty without TQ* points). */
  comparison: string;
  /** Every point paired against the baseline alone and Best-of-N's frontier at equal compute (frontier.ts). */
  targets: string;
}

export const KL_NOTE =
  "KL estimators (src/eval/kl.ts): exact = known policy; plug-in = Σ log π_step(z_t) − log π_base(y); upper = −log π_base(y) for greedy selection with random Q̂ (cross-entropy ≥ KL); bound = Best-of-N's log N − (N−1)/N plus the sampler's log q(y) − log π_base(y)";

export const TARGETS_HEAD =
  "Paired over prompts × seeds (Δ ± SE): each point against the baseline alone, against Best-of-N's frontier interpolated at the same model tokens per output token (linear in log compute between the Best-of-N points that bracket it), and its held-out score against the baseline's:";

export async function runEvalSession(i: SessionInput): Promise<SessionResult> {
  const scale = i.rewardScale ?? 1;
  const fp = i.world ? `builtin-world:${i.world.name}${i.latency ? `:latency=${JSON.stringify(i.latency.options)}` : ''}` : configFingerprint(i.config);
  const heldOut = i.heldOut ?? FLUENCY;
  // Answers at another reward scale, or with another held-out score, are other items (fluency, the default, adds nothing: earlier runs resume).
  const fingerprint = fp + (scale !== 1 ? `:reward×${scale}` : '') + (heldOut.kind === 'reward' ? `:held-out=${heldOut.name}` : '');
  const plan = planEval({ config: i.config, strategies: i.strategies, sweeps: i.sweeps, prompts: i.prompts, seeds: i.seeds, reference: i.reference, fingerprint });
  // Built before any request: a config the latency model does not serve is refused up front.
  const latency = i.latency ? evalLatency(i.config, i.latency.options) : undefined;
  mkdirSync(i.outDir, { recursive: true });
  const jsonl = join(i.outDir, 'answers.jsonl');
  let done: Map<string, EvalRecord>;
  try {
    repairTail(jsonl);
    const skipped: SkippedRecord[] = [];
    done = new Map(readRecords(jsonl, (s) => skipped.push(s)).map((r) => [r.key, r]));
    // Each skipped line is named (the first few), and the count said: those items are decoded again.
    for (const s of skipped.slice(0, 5)) i.onWarning?.(`${jsonl}:${s.line}: not a valid record, skipped (${s.why})`);
    if (skipped.length) i.onWarning?.(`${jsonl}: ${skipped.length} line(s) skipped; their items are decoded again`);
  } catch (e) {
    if (e instanceof RecordsFileError) throw new TqError('config', e.message);
    throw e;
  }
  const built = await buildEnv(i.config, { ...i.backend, signal: i.signal });
  for (const w of built.warnings) i.onWarning?.(w);
  const concurrency = i.concurrency ?? Math.min(...[i.config.base, i.config.baseline].map((m) => m.maxConcurrency * (Array.isArray(m.baseUrl) ? m.baseUrl.length : 1)));
  i.onStart?.(plan, concurrency, jsonl);
  const t0 = performance.now();
  let res;
  try {
    res = await runEval(plan, {
      env: { ...built.env, reward: scaledReward(built.env.reward, scale) },
      embedder: i.embedder,
      judge: i.judge,
      heldOut,
      // The exact values are of the unscaled reward's policies.
      exact: scale === 1 ? i.world?.exact : undefined,
      latency,
      done,
      write: (r) => appendRecord(jsonl, r),
      signal: i.signal,
      concurrency,
      judgeSeed: i.seeds[0],
      onProgress: i.onProgress,
      onWarning: i.onWarning,
    });
  } finally {
    built.dispose();
  }
  const summary = summarise(res.answers, res.judged, plan.reference?.key ?? null);
  const c = i.config;
  const notes = [
    i.world ? i.world.description : (i.configLabel ?? `base ${c.base.model}, baseline ${c.baseline.model}, reward ${c.reward.kind}`),
    `${i.prompts.length} prompts (${i.promptSource}) × seeds ${i.seeds.join(',')}; strategies ${i.strategies.join(', ')}; sweeps ${i.sweeps.map((s) => `${s.strategy ? `${s.strategy}:` : ''}${s.key}=${s.values.join(',')}`).join(' ') || 'none'}`,
    `win/tie/loss: by reward against ${plan.reference?.label ?? '—'} on the same prompt and seed${i.judge ? `; judge ${i.judge.label}, the two answers in seeded random order` : ''}`,
    KL_NOTE,
    `held-out score (never optimised by any strategy): ${heldOut.kind === 'fluency' ? "fluency = log π_base(y|x) per output token (the base model's mean log-likelihood of the answer; higher is more fluent)" : `${heldOutName(heldOut)}, a second reward scored once per answer`}`,
    ...(scale !== 1 ? [`reward scale: the target reward ×${scale} (what every strategy optimised and what the reward column shows)`] : []),
    `coherence: ${i.embedder ? `cosine of prompt and answer embeddings from ${i.embedder.label}` : 'not measured (no embedding endpoint)'}`,
    "cost: model tokens (generated + scored, the core's count) and reward inputs per output token; requests and reward calls per answer; wall time per answer with answers decoded in parallel on this machine",
    i.latency
      ? `critical path (CP): the reference server's latency model ${i.latency.spec} over each answer's own requests — each as if alone on the server, starting when the last request that had finished before it was sent finishes (src/eval/criticalPath.ts); a lower bound on that answer's latency on such a server, not a measurement`
      : 'critical path: not computed (give --latency SPEC on --world demo or tabular)',
    `${res.complete ? 'complete' : 'INCOMPLETE (cancelled): the tables cover the finished answers only'}; the last session decoded ${res.decoded} answers in ${((performance.now() - t0) / 1000).toFixed(0)} s and took ${res.resumed} from the JSONL`,
  ];
  const table = summaryTable(summary);
  const comparison = comparisonText(compareAtEqual(summary));
  const frontier = frontierTargets(summary, res.answers);
  const targets = targetsText(frontier);
  const files = { jsonl, report: join(i.outDir, 'report.html'), summaryJson: join(i.outDir, 'summary.json'), summaryTxt: join(i.outDir, 'summary.txt'), plots: [] as string[] };
  writeFileSync(files.summaryTxt, table + '\n' + (comparison ? `\nTQ* against each peer's best point at ≤ its compute and at ≤ its KL (Δ = TQ* − peer ± SE):\n${comparison}\n` : '') + (targets ? `\n${TARGETS_HEAD}\n${targets}\n` : ''));
  writeFileSync(files.summaryJson, JSON.stringify({ notes, ...summary, targets: frontier.map((t) => ({ point: t.point.point, label: t.point.label, vsBaseline: t.vsBaseline, heldOutVsBaseline: t.heldOutVsBaseline, vsBon: t.vsBon })) }, null, 2) + '\n');
  // The plots also as files of their own (for documents that show them); the report inlines the same SVG.
  plotSpecs(summary).forEach((spec, k) => {
    const f = join(i.outDir, `plot-${spec.id ?? k}.svg`);
    writeFileSync(f, scatterSvg(spec) + '\n');
    files.plots.push(f);
  });
  writeFileSync(files.report, htmlReport(summary, res.answers, { title: `tqstar eval — ${i.world?.name ?? i.configLabel ?? 'run'}`, notes, generated: new Date().toISOString(), comparison, targets }));
  return { plan, summary, answers: res.answers, judged: res.judged, complete: res.complete, notes, table, files, comparison, targets };
}
