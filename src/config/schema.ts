// The one source of truth for configuration: decoding parameters, endpoints, rewards.
// The CLI config file, the VS Code settings (package.json contributes.configuration) and the
// webview's view of a run are all derived from or checked against these schemas.
import { z } from 'zod';

export const STRATEGY_NAMES = ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'greedy', 'sample', 'baseline', 'softbon', 'specrej', 'smc'] as const;
export const StrategyName = z.enum(STRATEGY_NAMES);
export type StrategyName = z.infer<typeof StrategyName>;

/** The smallest temperature or β accepted: the values are divided by it. */
const MIN_SCALE = 1e-6;

export const DecodingParams = z
  .object({
    topK: z.number().int().min(1).max(100).default(3).describe('Candidates considered at each step (k).'),
    alpha: z.number().min(0).default(1).describe('Decoding alignment strength α: next token ∝ π_base · exp(α·Q̂), in the reward\'s units. Used when strength is "alpha"; the default strength "kl" finds α per step from klBudget.'),
    horizon: z.number().int().min(1).max(512).default(5).describe('Rollout horizon H in tokens.'),
    rollouts: z.number().int().min(1).max(256).default(1).describe('Rollouts N per candidate.'),
    rolloutTemperature: z.number().min(0).default(1).describe('Temperature of rollouts (1 is the unbiased estimator; 0 is greedy).'),
    proposer: z.enum(['baseline', 'base', 'union']).default('baseline').describe('Which model proposes the top-k candidates.'),
    selection: z.enum(['greedy', 'sample']).default('greedy').describe('Take the argmax of log π_base + α·Q̂, or sample it.'),
    // Below this, score / temperature overflows to ±Infinity (1e-320 is a denormal); use "greedy" instead.
    selectionTemperature: z.number().min(MIN_SCALE).default(1).describe('Temperature on the combined score in sampling mode.'),
    transfer: z.enum(['direct', 'indirect']).default('direct').describe('Direct: the baseline was aligned to the target reward. Indirect: to a different reward (importance weights).'),
    indirectWeights: z
      .enum(['baseline-reward', 'implicit'])
      .default('implicit')
      .describe("Indirect transfer weights: from the baselineReward source, or from the DPO implicit reward log ρ_BL − log π_base."),
    beta: z.number().min(MIN_SCALE).default(1).describe('β of the target objective E[r] − β·KL.'),
    betaBaseline: z.number().min(MIN_SCALE).default(1).describe('β_BL the baseline was aligned with (indirect transfer).'),
    maxTokens: z.number().int().min(1).max(4096).default(64).describe('Maximum response tokens.'),
    stop: z.array(z.string()).default([]).describe('Stop sequences.'),
    seed: z.number().int().default(0).describe('Random seed: the same seed gives the same output.'),
    argsWeight: z.number().default(1).describe('ARGS reward weight w.'),
    bestOfN: z.number().int().min(1).max(256).default(8).describe('Best-of-N: number of full responses.'),
    bestOfNModel: z.enum(['base', 'baseline']).default('baseline').describe('Best-of-N: which model samples.'),
    blockSize: z.number().int().min(1).max(256).default(8).describe('Blockwise best-of-K: tokens per block (m).'),
    blockCandidates: z.number().int().min(1).max(64).default(4).describe('Blockwise best-of-K: blocks per step (K).'),
    checkpointTokens: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(8)
      .describe('Early-pruned Best-of-N and SMC: tokens between the checkpoints where partial answers are scored (m).'),
    keepFraction: z.number().gt(0).max(1).default(0.5).describe('Early-pruned Best-of-N: share of the answers still in the race kept at each checkpoint (1 = Best-of-N).'),
    estimator: z
      .enum(['rollouts', 'implicit', 'hybrid'])
      .default('rollouts')
      .describe(
        "How TQ* values a candidate: rollouts (Monte-Carlo mean of the reward over baseline rollouts), implicit (betaBaseline·[log ρ_BL − log π_base], no rollouts; direct transfer), or hybrid (the implicit value picks the contenders, rollouts value only them).",
      ),
    contenders: z.number().int().min(1).max(100).default(3).describe('Hybrid estimator: how many candidates, best by the implicit value, get rollouts.'),
    strength: z
      .enum(['alpha', 'spread', 'kl'])
      .default('kl')
      .describe(
        'How the strength is set: alpha (α as given, in 1/reward units), spread (α = scaledAlpha / the standard deviation of the rewards seen so far in the run), or kl (at each step the α whose policy is klBudget nats from π_base over the candidates). spread and kl mean the same for every reward scale.',
      ),
    scaledAlpha: z.number().min(0).default(1).describe('Strength "spread": α times the spread of the rewards (unitless).'),
    klBudget: z.number().min(0).default(2).describe('Strength "kl": KL(step policy ‖ π_base over the candidates) per token, in nats.'),
    gate: z
      .object({
        by: z.enum(['none', 'entropy', 'top1']).default('entropy').describe("Steer only where the proposer is uncertain: by the entropy of its top-k, or by its top-1 mass (none = every step). Unsteered steps take the proposer's top token without rollouts."),
        minEntropy: z.number().min(0).default(1).describe('Gate "entropy": steer when the proposer\'s top-k entropy is at least this (nats).'),
        maxTop1: z.number().min(0).max(1).default(0.9).describe('Gate "top1": steer when the proposer\'s top-1 holds less than this share of its top-k.'),
      })
      .prefault({})
      .describe('Gate: which steps are steered.'),
    allocation: z
      .object({
        kind: z
          .enum(['fixed', 'sequential'])
          .default('fixed')
          .describe('fixed: N rollouts per candidate. sequential: rollouts in rounds, only for candidates that can still change the choice, up to N each (greedy selection).'),
        firstRound: z.number().int().min(1).max(256).default(2).describe('Sequential: rollouts per candidate in the first round.'),
        round: z.number().int().min(1).max(256).default(2).describe('Sequential: rollouts added per open candidate in each later round.'),
        confidence: z.number().gt(0).lt(1).default(0.95).describe('Sequential: the choice is settled when no other candidate\'s interval at this confidence reaches the leader\'s.'),
      })
      .prefault({})
      .describe('How rollouts are allocated among the candidates.'),
    budget: z
      .object({
        maxModelTokens: z.number().int().positive().default(2_000_000).describe('Stop with an error past this many generated and scored model tokens per run.'),
        maxRequests: z.number().int().positive().default(20_000).describe('Stop with an error past this many model and reward requests per run.'),
      })
      .prefault({})
      .describe('Budget limits per run.'),
    speed: z
      .object({
        reuseRollouts: z.boolean().default(true).describe("Take the next step's candidates from the rollout request (same estimator, fewer requests)."),
        baseTopLookup: z
          .boolean()
          .default(true)
          .describe("Read log π_base of the candidates from the base model's own top-k at s_t and score only the others (same values, bytes independent of the answer's length)."),
        speculate: z
          .number()
          .int()
          .min(0)
          .max(8)
          .default(0)
          .describe("Speculation: while a step's rollouts and rewards run, draw the next step's rollouts for this many likeliest next states (0 = off; same estimator, fewer sequential phases, more model work)."),
        extendReused: z
          .boolean()
          .default(false)
          .describe('Extend reused rollouts that were cut at the horizon by sampling their missing tokens (same horizon as fresh rollouts; one request more per step).'),
        skipMass: z.number().min(0).max(1).default(1).describe('Skip rollouts when one candidate holds at least this much of π_base mass (1 = never).'),
        coverMass: z.number().min(0).max(1).default(1).describe('Shrink k to the candidates covering this π_base mass (1 = keep all k).'),
        blockAccept: z.number().int().min(0).default(0).describe('Block acceptance: commit up to this many tokens of the best rollout when the choice leads by blockMargin (0 = off).'),
        blockMargin: z.number().min(0).default(2).describe('Lead in combined score needed for block acceptance.'),
        speculateDepth: z
          .number()
          .int()
          .min(1)
          .max(2)
          .default(1)
          .describe("How many steps ahead speculation draws rollouts: 1 = the next step's; 2 = also, under each speculated next state, the step after's for its speculate likeliest next states (speculate² states; same estimator, more model work). Needs speculate ≥ 1."),
      })
      .prefault({})
      .describe('Speed options (see docs/performance.md).'),
  })
  .strict();
export type DecodingParams = z.infer<typeof DecodingParams>;
export type DecodingParamsInput = z.input<typeof DecodingParams>;

export const PROMPT_TEMPLATE_PRESETS = ['raw', 'chatml', 'llama3', 'mistral', 'zephyr'] as const;
/** A preset name, or a custom template with {prompt} (and for rewards {response}) placeholders. */
export const PromptTemplate = z.union([z.enum(PROMPT_TEMPLATE_PRESETS), z.string().includes('{prompt}')]);

export const DIALECTS = ['auto', 'vllm', 'sglang', 'llamacpp', 'ollama', 'openai'] as const;
export const Dialect = z.enum(DIALECTS);
export type Dialect = z.infer<typeof Dialect>;

// No user:password@ in the authority: it would be printed in every log line and message.
const Url = z.string().regex(/^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i, 'must be an http(s) URL without user:password@ (keys go in apiKeyEnv, or "Set API Key…" in VS Code)');
/** Node's timers overflow above 2³¹−1 ms (they then fire after 1 ms). */
const TimeoutMs = z.number().int().min(1).max(2 ** 31 - 1);

const endpointFields = {
  baseUrl: z.union([Url, z.array(Url).min(1)]).describe('OpenAI base URL, e.g. http://localhost:8000/v1 (a list for replicas).'),
  model: z.string().min(1).describe('Model name as the server knows it.'),
  dialect: Dialect.default('auto'),
  apiKeyEnv: z.string().optional().describe('Environment variable holding the API key (CLI). In VS Code use "Set API Key…".'),
  promptTemplate: PromptTemplate.default('raw'),
  timeoutMs: TimeoutMs.default(60_000),
  maxConcurrency: z.number().int().positive().default(8).describe('Requests in flight per replica.'),
  eosTokenId: z.number().int().min(0).optional().describe('End-of-sequence token id; when unset it is learned from the server (reported model info, EOS-ended samples, special-token text).'),
};

/** A model served over HTTP: what the backends talk to (a `gguf` setting becomes one once its local engine runs). */
export const ModelEndpoint = z.object(endpointFields).strict();
export type ModelEndpoint = z.infer<typeof ModelEndpoint>;

/** A model setting: a server (baseUrl + model) or a local GGUF file that tqstar serves itself. */
export const ModelSetting = z
  .object({
    ...endpointFields,
    baseUrl: endpointFields.baseUrl.optional(),
    model: endpointFields.model.optional(),
    gguf: z
      .string()
      .min(1)
      .optional()
      .describe('A local GGUF model file instead of baseUrl ("~" is the home folder; a relative path is relative to the config file or the workspace): tqstar starts a local llama.cpp engine for it.'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.gguf !== undefined && v.baseUrl !== undefined) ctx.addIssue({ code: 'custom', path: ['gguf'], message: 'set either gguf (a local model file) or baseUrl (a server), not both' });
    if (v.gguf === undefined && v.baseUrl === undefined) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is required (or set gguf to a local model file)' });
    if (v.gguf === undefined && v.model === undefined) ctx.addIssue({ code: 'custom', path: ['model'], message: 'is required with baseUrl (the model name as the server knows it)' });
  });
export type ModelSetting = z.infer<typeof ModelSetting>;

const RewardCommon = {
  weight: z.number().optional().describe('Weight inside a "sum" reward.'),
  template: PromptTemplate.optional().describe('How (prompt, response) becomes the reward model input; {prompt} and {response}.'),
  timeoutMs: TimeoutMs.optional(),
  apiKeyEnv: z.string().optional(),
};

const HttpReward = <K extends string>(kind: K) =>
  z.object({ kind: z.literal(kind), baseUrl: Url, model: z.string().optional(), ...RewardCommon }).strict();

export type RewardConfig =
  | z.infer<ReturnType<typeof HttpReward<'vllm-pooling'>>>
  | z.infer<ReturnType<typeof HttpReward<'vllm-classify'>>>
  | z.infer<ReturnType<typeof HttpReward<'vllm-score'>>>
  | z.infer<ReturnType<typeof HttpReward<'tei'>>>
  | z.infer<ReturnType<typeof HttpReward<'openrlhf'>>>
  | z.infer<typeof HttpJsonReward>
  | z.infer<typeof JudgeReward>
  | z.infer<typeof BuiltinReward>
  | z.infer<typeof VscodeLmReward>
  | { kind: 'sum'; terms: RewardConfig[]; weight?: number };

/** Filling a template walks it recursively: a bound on its depth keeps that walk off the stack limit. */
const MAX_TEMPLATE_DEPTH = 32;

/** Nesting depth of a JSON value (a scalar is 0), counted without recursion; stops counting past `stopAt`. */
function jsonDepth(value: unknown, stopAt: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d);
    if (max > stopAt) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export const HttpJsonReward = z
  .object({
    kind: z.literal('http-json'),
    baseUrl: Url.describe('Full URL to POST to.'),
    requestTemplate: z
      .unknown()
      .refine((t) => jsonDepth(t, MAX_TEMPLATE_DEPTH) <= MAX_TEMPLATE_DEPTH, `nests deeper than ${MAX_TEMPLATE_DEPTH} levels`)
      .describe('JSON body; the strings "{prompt}", "{response}", "{text}" and "{pairs}" are substituted.'),
    responsePath: z.string().describe('Dot path to the score (or array of scores), e.g. "data.0.score" or "rewards".'),
    batch: z.boolean().default(false).describe('Send all pairs in one request ({pairs}); otherwise one request per pair.'),
    ...RewardCommon,
  })
  .strict();

export const JudgeReward = z
  .object({
    kind: z.literal('judge'),
    baseUrl: Url.describe('OpenAI base URL serving /chat/completions.'),
    model: z.string(),
    mode: z.enum(['score', 'yes-probability']).default('score'),
    instruction: z.string().optional().describe('Judge instruction; {prompt} and {response} are substituted.'),
    ...RewardCommon,
  })
  .strict();

export const BuiltinReward = z
  .object({
    kind: z.literal('builtin'),
    name: z.enum(['sentiment', 'keyword', 'regex', 'length', 'tabular']).describe('A reward that needs no server.'),
    pattern: z.string().optional().describe('regex: the pattern; keyword: comma-separated words.'),
    target: z.number().optional().describe('length: target length in characters.'),
    ...RewardCommon,
  })
  .strict();

export const VscodeLmReward = z
  .object({
    kind: z.literal('vscode-lm'),
    vendor: z.string().optional(),
    family: z.string().optional(),
    instruction: z.string().optional(),
    ...RewardCommon,
  })
  .strict();

export const RewardConfig: z.ZodType<RewardConfig> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    HttpReward('vllm-pooling'),
    HttpReward('vllm-classify'),
    HttpReward('vllm-score'),
    HttpReward('tei'),
    HttpReward('openrlhf'),
    HttpJsonReward,
    JudgeReward,
    BuiltinReward,
    VscodeLmReward,
    z.object({ kind: z.literal('sum'), terms: z.array(RewardConfig).min(1), weight: z.number().optional() }).strict(),
  ]),
) as z.ZodType<RewardConfig>;

export const RunConfig = z
  .object({
    base: ModelSetting.describe('The base (reference/SFT) model π_base.'),
    baseline: ModelSetting.describe('The baseline model ρ_BL, already aligned (e.g. DPO).'),
    reward: RewardConfig.describe('The target reward r.'),
    baselineReward: RewardConfig.optional().describe('The reward r_BL the baseline was aligned to (indirect transfer).'),
    decoding: DecodingParams.prefault({}),
    strategies: z
      .array(StrategyName)
      // A refinement, not .min(1): its message says what to do, where a size check would say "must be ≥ 1".
      .refine((list) => list.length > 0, 'is empty: give at least one strategy (an empty list runs nothing), or leave the key out for the default set')
      .default(['tqstar', 'args', 'cd', 'bon', 'baseline', 'greedy'])
      .describe('Strategies to run and compare.'),
  })
  .strict();
export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;
