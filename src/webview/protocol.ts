// The one message protocol between the extension host and its webviews (results panel and history view), validated on both sides.
// Browser-safe: imported by src/extension and by the webview bundles. Shapes mirror src/core/events.ts.
import { z } from 'zod';
import { RunConfig, StrategyName } from '../config/schema';

// Output text travels as data; these caps keep a hostile or buggy peer from flooding either side.
const Text = z.string().max(2_000_000);
const num = z.number();
const nullableNum = z.number().nullable();

export const TokenView = z.object({ id: z.number(), text: Text });

export const RolloutView = z.object({ text: Text, reward: num, weight: num.optional() });

export const CandidateView = TokenView.extend({
  logprobBase: nullableNum,
  logprobBaseline: nullableNum,
  q: nullableNum,
  qStderr: nullableNum,
  ess: nullableNum,
  score: num,
  selectProb: num,
  chosen: z.boolean(),
  rollouts: z.array(RolloutView),
  flags: z.array(z.string()).optional(),
});

export type TokenView = z.infer<typeof TokenView>;
export type RolloutView = z.infer<typeof RolloutView>;
export type CandidateView = z.infer<typeof CandidateView>;

export const StepView = z.object({
  index: z.number().int(),
  chosen: TokenView,
  accepted: z.array(TokenView),
  candidates: z.array(CandidateView),
  note: z.string().optional(),
  /** The base model's real top-1 at this step (whole vocabulary), its log π_base, and whether the proposer offered it. */
  baseTop: TokenView.extend({ logprobBase: num, proposed: z.boolean() }).optional(),
  /** The strength α used at this step. */
  alpha: num.optional(),
  /** False when the step was not steered (the proposer's choice was kept). */
  steered: z.boolean().optional(),
  timing: z.object({ wallMs: num }),
  requests: num,
  modelTokens: num,
});

export type StepView = z.infer<typeof StepView>;

export const StatsView = z.object({ requests: num, modelTokens: num, wallMs: num });

export const ErrorView = z.object({ kind: z.string(), message: z.string(), url: z.string().optional(), setting: z.string().optional() });

export type StatsView = z.infer<typeof StatsView>;
export type ErrorView = z.infer<typeof ErrorView>;

export const ResultView = z.object({
  strategy: StrategyName,
  text: Text,
  tokens: z.array(TokenView),
  reward: nullableNum,
  steps: z.array(StepView),
  stats: StatsView,
  finish: z.enum(['eos', 'stop', 'maxTokens', 'aborted', 'error']),
  error: ErrorView.optional(),
  warnings: z.array(z.string()),
});
export type ResultView = z.infer<typeof ResultView>;

/** The `tqstar decode --json` shape: results best first, and the run's totals. */
export const RunResultView = z.object({ results: z.array(ResultView), stats: StatsView });
export type RunResultView = z.infer<typeof RunResultView>;

export const DecodeEventView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), strategy: StrategyName, promptTokens: num }),
  z.object({ type: z.literal('step'), strategy: StrategyName, step: StepView, text: Text }),
  z.object({ type: z.literal('end'), strategy: StrategyName, result: ResultView }),
  z.object({ type: z.literal('warning'), strategy: StrategyName.optional(), message: z.string() }),
]);
export type DecodeEventView = z.infer<typeof DecodeEventView>;

export const RunStatus = z.enum(['running', 'done', 'cancelled', 'error']);
export type RunStatus = z.infer<typeof RunStatus>;

/** Everything the panel needs to draw a run, live or restored; also what history stores. */
export const RunView = z.object({
  id: z.string().max(100),
  prompt: Text,
  strategies: z.array(StrategyName),
  startedAt: num,
  status: RunStatus,
  /** Per strategy: what has streamed in so far, or the final result. */
  results: z.array(ResultView),
  stats: StatsView.nullable(),
  error: ErrorView.optional(),
  /** Set when history dropped per-token diagnostics to stay within its size bound. */
  trimmed: z.boolean().optional(),
  /** The configuration the run used (strategies as run): shown in the header, exported so the CLI can re-run it. */
  config: RunConfig.optional(),
  /** Where the configuration came from: the user's settings, or the built-in demo. */
  source: z.enum(['settings', 'demo']).optional(),
  /** Strategies whose final result has arrived; the others are still decoding, queued, or were cut short. */
  done: z.array(StrategyName).optional(),
  /** Run-level warnings (capability notes), each once. */
  warnings: z.array(z.string().max(4000)).max(200).optional(),
  /** Where the prompt came from, e.g. "prompt.txt, line 3": Insert and Replace act there. */
  origin: z.object({ label: z.string().max(300) }).optional(),
  /** When the run ended (ms since the epoch): with startedAt, the wait the user had, engine loading and probing included. */
  finishedAt: num.optional(),
});
export type RunView = z.infer<typeof RunView>;

export const HostToPanel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('runStart'), run: RunView }),
  z.object({ type: z.literal('event'), runId: z.string(), event: DecodeEventView }),
  z.object({ type: z.literal('runEnd'), runId: z.string(), status: RunStatus, result: RunResultView.nullable(), error: ErrorView.optional() }),
  z.object({ type: z.literal('showRun'), run: RunView }),
]);
export type HostToPanel = z.infer<typeof HostToPanel>;

const OutputRef = z.object({ strategy: StrategyName, text: Text });

export const PanelToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('output'), action: z.enum(['insert', 'replace', 'copy', 'openDocument']), output: OutputRef }),
  z.object({ type: z.literal('diff'), left: OutputRef, right: OutputRef }),
  z.object({ type: z.literal('export'), data: RunResultView }),
  z.object({ type: z.literal('rerun') }),
  // Only the extension's own settings can be opened from the page.
  z.object({ type: z.literal('openSettings'), setting: z.string().max(100).regex(/^tqstar(\.[A-Za-z]+)*$/).optional() }),
]);
export type PanelToHost = z.infer<typeof PanelToHost>;

export const HistorySummary = z.object({
  /** Absent: a decoding run; 'eval': an evaluation on a prompt set (its prompt is the prompt set, its best is a point). */
  kind: z.literal('eval').optional(),
  id: z.string(),
  prompt: z.string(),
  strategies: z.array(StrategyName),
  bestReward: nullableNum,
  bestStrategy: StrategyName.nullable(),
  startedAt: num,
  status: RunStatus,
  /** The run's models, reward, α and seed in a few words, when the run recorded its config. */
  detail: z.string().max(500).optional(),
  /** An evaluation's best point (e.g. "bon bestOfN=32"), how many points it has and on how many prompts. */
  bestLabel: z.string().max(200).optional(),
  points: z.number().optional(),
  prompts: z.number().optional(),
});
export type HistorySummary = z.infer<typeof HistorySummary>;

export const HostToSidebar = z.discriminatedUnion('type', [z.object({ type: z.literal('history'), entries: z.array(HistorySummary) })]);
export type HostToSidebar = z.infer<typeof HostToSidebar>;

export const SidebarToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('open'), id: z.string() }),
  z.object({ type: z.literal('clear') }),
]);
export type SidebarToHost = z.infer<typeof SidebarToHost>;

/** Parse an incoming message; a malformed one is dropped with a reason rather than half-handled. */
export function parseMessage<T>(schema: z.ZodType<T>, data: unknown): { ok: true; value: T } | { ok: false; reason: string } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}
