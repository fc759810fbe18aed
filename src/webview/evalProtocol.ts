// The typed messages between the extension host and the "Transfer Q* Evaluation" webview, checked on both sides with zod.
import { z } from 'zod';
import { StrategyName } from '../config/schema';

// JSON has no NaN or Infinity: numbers that are not computed travel as null.
const Num = z.number().nullable();
const Text = z.string().max(200_000);
const MeanSe = z.object({ mean: z.number(), se: Num, n: z.number() }).nullable();
const Wtl = z.object({ win: z.number(), tie: z.number(), loss: z.number(), n: z.number(), winTie: Num }).nullable();

export const PlotPointView = z.object({ x: z.number(), y: z.number(), xErr: Num.optional(), yErr: Num.optional(), id: z.string(), label: z.string(), frontier: z.boolean().optional() });
export const PlotSpecView = z.object({
  title: z.string(),
  xLabel: z.string(),
  yLabel: z.string(),
  logX: z.boolean().optional(),
  links: z.boolean().optional(),
  embedStyle: z.boolean().optional(),
  series: z.array(z.object({ name: z.string(), cls: z.string().regex(/^[a-z]+$/), points: z.array(PlotPointView), connect: z.boolean().optional() })),
});

export const EvalPointView = z.object({
  point: z.string(),
  label: z.string(),
  strategy: StrategyName,
  answers: z.number(),
  errors: z.number(),
  reward: MeanSe,
  kl: z.object({ mean: z.number(), se: Num, n: z.number(), estimators: z.array(z.string()) }).nullable(),
  exact: z.object({ reward: z.number(), kl: z.number(), objective: z.number() }).nullable(),
  diversity: MeanSe,
  distinct: Num,
  coherence: MeanSe,
  vsReference: Wtl,
  judge: Wtl,
  cost: z.object({ modelTokensPerOutputToken: Num, requestsPerAnswer: Num, rewardCallsPerAnswer: Num, rewardInputsPerOutputToken: Num, wallMsPerAnswer: Num, outputTokensPerAnswer: Num, criticalPathMsPerAnswer: Num.optional(), criticalPathMsPerOutputToken: Num.optional() }),
  frontier: z.object({ cost: z.boolean(), kl: z.boolean() }),
});
export type EvalPointView = z.infer<typeof EvalPointView>;

export const AnswerView = z.object({ promptId: z.string(), seed: z.number(), prompt: Text, text: Text, reward: Num, kl: Num, finish: z.string() });
export type AnswerView = z.infer<typeof AnswerView>;

export const EvalView = z.object({
  title: z.string(),
  notes: z.array(z.string()),
  complete: z.boolean(),
  reference: z.string().nullable(),
  points: z.array(EvalPointView),
  plots: z.array(PlotSpecView),
  /** Per point, its answers (the first ANSWERS_PER_POINT; the exported report has them all). */
  answers: z.record(z.string(), z.array(AnswerView)),
});
export type EvalView = z.infer<typeof EvalView>;

export const HostToEval = z.discriminatedUnion('type', [
  // `partial`: the table of the answers so far (no plots), shown under the progress bar while the evaluation runs.
  z.object({ type: z.literal('progress'), done: z.number(), total: z.number(), etaMs: Num, message: z.string(), partial: EvalView.optional() }),
  // `error`: a stored evaluation that failed, shown with the points it finished before it failed.
  z.object({ type: z.literal('result'), view: EvalView, error: z.string().max(4000).optional() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type HostToEval = z.infer<typeof HostToEval>;

export const EvalToHost = z.discriminatedUnion('type', [z.object({ type: z.literal('ready') }), z.object({ type: z.literal('cancel') }), z.object({ type: z.literal('exportReport') })]);
export type EvalToHost = z.infer<typeof EvalToHost>;
