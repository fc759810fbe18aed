// Runs an evaluation: the plan (points × prompts × seeds), items in parallel, per-answer metrics, judge pairs, resume.
import { createHash } from 'node:crypto';
import type { DecodingParams, RunConfig, StrategyName } from '../config/schema';
import type { DecodeEnv } from '../core/context';
import { decode } from '../core/decode';
import type { DecodeResult } from '../core/events';
import type { RewardSource, TokenId } from '../core/model';
import { parseDecodingParams } from '../core/params';
import { deriveSeed } from '../core/rng';
import type { Embedder, PairJudge } from './clients';
import { criticalPathMs, newRecording, recordedEnv, type EvalLatency } from './latencyCost';
import { answerKl } from './kl';
import { heldOutName, heldOutScore, type HeldOut } from './heldOut';
import { candidateFirst, cosine, diversity, judgeOutcome } from './metrics';
import type { EvalPrompt } from './prompts';
import type { AnswerRecord, EvalRecord, JudgeRecord } from './records';
import { crossSweeps, KEYS_USED, usedSettings, withKey, type Sweep } from './sweep';

export interface EvalPoint {
  key: string;
  strategy: StrategyName;
  params: DecodingParams;
  /** The swept settings the strategy reads, e.g. {alpha: 8}. */
  swept: Record<string, unknown>;
  label: string;
}

export interface EvalItem {
  key: string;
  point: EvalPoint;
  prompt: EvalPrompt;
  seed: number;
  /** The decoder's seed: the eval seed mixed with the prompt, so that answers to different prompts use independent draws. */
  decodeSeed: number;
}

/**
 * The core derives every request's seed from (seed, strategy, step, purpose), not from the prompt:
 * one seed for all prompts would reuse the same random draws on every prompt, correlating the
 * answers and making the standard errors over prompts too small.
 */
export function decodeSeed(seed: number, prompt: EvalPrompt): number {
  return deriveSeed(seed, 'eval-prompt', prompt.id, prompt.text);
}

export interface EvalPlan {
  points: EvalPoint[];
  items: EvalItem[];
  /** The point every other is compared with (win/tie/loss): the first point of the reference strategy. */
  reference: EvalPoint | null;
}

const hash = (...parts: unknown[]) => createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/** What identifies the servers and rewards of a run (decoding settings are in each point). */
export function configFingerprint(c: RunConfig): string {
  return hash(c.base, c.baseline, c.reward, c.baselineReward ?? null);
}

export function pointLabel(strategy: StrategyName, swept: Record<string, unknown>): string {
  const parts = Object.entries(swept).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${strategy} ${parts.join(' ')}` : strategy;
}

/**
 * Points: each strategy × each combination of the sweeps, deduplicated by the settings the strategy
 * reads (a sweep over Best-of-N's N does not re-run TQ*). Items: points × prompts × seeds.
 */
export function planEval(o: {
  config: RunConfig;
  strategies: StrategyName[];
  sweeps: Sweep[];
  prompts: EvalPrompt[];
  seeds: number[];
  reference: StrategyName;
  /** Identity of the servers in the item keys; default from the config. A built-in world passes its name (its port changes every run). */
  fingerprint?: string;
}): EvalPlan {
  const fp = o.fingerprint ?? configFingerprint(o.config);
  const points: EvalPoint[] = [];
  const seen = new Set<string>();
  for (const strategy of o.strategies) {
    for (const combo of crossSweeps(o.sweeps.filter((s) => !s.strategy || s.strategy === strategy))) {
      let input = o.config.decoding as Record<string, unknown>;
      for (const [k, v] of Object.entries(combo)) input = withKey(input, k, v) as Record<string, unknown>;
      const params = parseDecodingParams(input);
      const key = hash(strategy, usedSettings(strategy, params));
      if (seen.has(key)) continue;
      seen.add(key);
      const swept = Object.fromEntries(Object.entries(combo).filter(([k]) => KEYS_USED[strategy].includes(k)));
      points.push({ key, strategy, params, swept, label: pointLabel(strategy, swept) });
    }
  }
  const items: EvalItem[] = [];
  for (const point of points)
    for (const prompt of o.prompts) for (const seed of o.seeds) items.push({ key: hash(fp, point.key, prompt.id, prompt.text, seed, 'seed-per-prompt'), point, prompt, seed, decodeSeed: decodeSeed(seed, prompt) });
  return { points, items, reference: points.find((p) => p.strategy === o.reference) ?? null };
}

export interface Progress {
  done: number;
  total: number;
  /** Items found finished in the JSONL (not redone). */
  resumed: number;
  etaMs: number | null;
  /** Every answer so far (resumed and new), for a live table of the points as their answers arrive; copied only when asked. */
  answers(): readonly AnswerRecord[];
}

export interface EvalContext {
  env: DecodeEnv;
  embedder?: Embedder;
  judge?: PairJudge;
  /** Exact E[r], KL, objective of a strategy's limit policy from a prompt (tabular models); null when not enumerable. */
  exact?: (strategy: StrategyName, params: DecodingParams, prompt: string) => { reward: number; kl: number; objective: number } | null;
  /** Records already in the JSONL, by key. */
  done: Map<string, EvalRecord>;
  write(r: EvalRecord): void;
  signal?: AbortSignal;
  /** Items decoded at once (each sends its own batched requests; the endpoints cap requests in flight). */
  concurrency: number;
  /** `--latency`: record each answer's requests and cost them on the latency model (the reference server's own). */
  latency?: EvalLatency;
  /** The held-out score of every answer (default: fluency, from the KL's own scoring). */
  heldOut?: HeldOut;
  /** Seeds the judge's answer order. */
  judgeSeed?: number;
  onProgress?(p: Progress): void;
  onWarning?(message: string): void;
}

class CountingReward implements RewardSource {
  calls = 0;
  inputs = 0;
  constructor(private readonly inner: RewardSource) {}
  get label() {
    return this.inner.label;
  }
  score(pairs: Parameters<RewardSource['score']>[0], opts?: Parameters<RewardSource['score']>[1]) {
    this.calls++;
    this.inputs += pairs.length;
    return this.inner.score(pairs, opts);
  }
}

/** Runs `tasks` with at most `n` in flight; stops taking new ones once the signal fires. */
async function pool<T>(tasks: T[], n: number, run: (t: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !signal?.aborted) await run(tasks[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, tasks.length)) }, worker));
}

export async function runEval(plan: EvalPlan, context: EvalContext): Promise<{ answers: AnswerRecord[]; judged: JudgeRecord[]; complete: boolean; decoded: number; resumed: number }> {
  // Each distinct warning once: a server that is down would otherwise say so for every answer.
  const warned = new Set<string>();
  const ctx: EvalContext = { ...context, onWarning: (w) => void (!warned.has(w) && (warned.add(w), context.onWarning?.(w))) };
  const answers = new Map<string, AnswerRecord>();
  for (const it of plan.items) {
    const r = ctx.done.get(it.key);
    if (r?.kind === 'answer') answers.set(it.key, r);
  }
  const todo = plan.items.filter((it) => !answers.has(it.key));
  const total = plan.items.length;
  const resumed = total - todo.length;
  const t0 = performance.now();
  let finished = 0;
  const report = () => {
    const elapsed = performance.now() - t0;
    const left = todo.length - finished;
    ctx.onProgress?.({ done: resumed + finished, total, resumed, etaMs: finished ? (elapsed / finished) * left : null, answers: () => [...answers.values()] });
  };
  report();
  const promptIds = new Map<string, Promise<TokenId[]>>();
  const idsOf = (text: string) => {
    let p = promptIds.get(text);
    if (!p) promptIds.set(text, (p = ctx.env.base.encode(text, { signal: ctx.signal })));
    return p;
  };
  await pool(
    todo,
    ctx.concurrency,
    async (it) => {
      // Recorded per answer: its critical path is read off its own schedule (answers in flight together only share the server).
      const calls = ctx.latency ? newRecording() : null;
      const env = calls ? recordedEnv(ctx.env, ctx.latency!, calls) : ctx.env;
      const reward = new CountingReward(env.reward);
      const r = await decode(it.point.strategy, { text: it.prompt.text }, { ...env, reward }, { ...it.point.params, seed: it.decodeSeed }, { signal: ctx.signal });
      if (r.finish === 'aborted') return;
      for (const w of r.warnings) ctx.onWarning?.(w);
      const cp = calls && r.finish !== 'error' ? criticalPathMs(ctx.latency!.options, calls.calls) : null;
      const rec = await measure(it, r, reward, ctx, idsOf, cp);
      if (!rec) return;
      answers.set(it.key, rec);
      ctx.write(rec);
      finished++;
      report();
    },
    ctx.signal,
  );
  const judged = ctx.judge && plan.reference && !ctx.signal?.aborted ? await judgePairs(plan, answers, ctx) : [];
  const complete = !ctx.signal?.aborted && plan.items.every((it) => answers.has(it.key));
  return { answers: plan.items.map((it) => answers.get(it.key)).filter((a): a is AnswerRecord => !!a), judged, complete, decoded: finished, resumed };
}

/** The per-answer metrics; null when the eval was cancelled while measuring (the item is redone on resume). */
async function measure(it: EvalItem, r: DecodeResult, reward: CountingReward, ctx: EvalContext, idsOf: (t: string) => Promise<TokenId[]>, criticalPath: number | null): Promise<AnswerRecord | null> {
  const { env, signal } = ctx;
  const ok = r.finish !== 'error';
  try {
    // A metric that fails (an embedding server down, a scoring error) is left empty with a warning, never the whole eval.
    const soft = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
      try {
        return await f();
      } catch (e) {
        if (signal?.aborted) throw e;
        ctx.onWarning?.(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    };
    const cont = r.tokens.map((t) => t.id);
    if (r.finish === 'eos' && env.base.eosId !== null) cont.push(env.base.eosId);
    const [logBase, baselineReward, coherence] = await Promise.all([
      !ok ? null : cont.length === 0 ? 0 : soft('log π_base of the answer (KL)', async () => (await env.base.score({ items: [{ prompt: await idsOf(it.prompt.text), continuation: cont }] }, { signal }))[0]!.logprobs.reduce((a, b) => a + b, 0)),
      ok && env.baselineReward ? soft('baseline reward', async () => (await env.baselineReward!.score([{ prompt: it.prompt.text, response: r.text }], { signal }))[0]!) : null,
      ok && ctx.embedder ? soft('coherence', async () => {
        const [a, b] = await ctx.embedder!.embed([it.prompt.text, r.text], signal);
        return cosine(a!, b!);
      }) : null,
    ]);
    const kl = answerKl(it.point.strategy, it.point.params, r, logBase);
    const outputTokens = r.tokens.length + (r.finish === 'eos' ? 1 : 0);
    const gatedSteps = r.steps.filter((st) => st.steered !== undefined);
    const ho = ctx.heldOut ?? { kind: 'fluency' as const };
    const heldOut = ok ? await soft('held-out score', () => heldOutScore(ho, it.prompt.text, r.text, logBase, outputTokens, { signal })) : null;
    return {
      kind: 'answer',
      key: it.key,
      point: it.point.key,
      label: it.point.label,
      strategy: it.point.strategy,
      swept: it.point.swept,
      promptId: it.prompt.id,
      prompt: it.prompt.text,
      seed: it.seed,
      decodeSeed: it.decodeSeed,
      text: r.text,
      finish: r.finish,
      ...(r.error ? { error: `${r.error.kind}: ${r.error.message}` } : {}),
      reward: r.reward,
      baselineReward,
      outputTokens,
      modelTokens: r.stats.modelTokens,
      requests: r.stats.requests,
      rewardCalls: reward.calls,
      rewardInputs: reward.inputs,
      wallMs: r.stats.wallMs,
      ...(ctx.latency ? { criticalPathMs: criticalPath } : {}),
      logBase: logBase !== null && Number.isFinite(logBase) ? logBase : null,
      kl,
      diversity: diversity(r.text),
      coherence,
      heldOut: { name: heldOutName(ho), value: heldOut },
      ...(gatedSteps.length ? { steered: { gated: gatedSteps.length, steered: gatedSteps.filter((st) => st.steered).length } } : {}),
      exact: ctx.exact?.(it.point.strategy, it.point.params, it.prompt.text) ?? null,
    };
  } catch (e) {
    if (signal?.aborted) return null;
    throw e;
  }
}

/** Every non-reference answer against the reference's answer to the same prompt and seed, in a seeded random order. */
async function judgePairs(plan: EvalPlan, answers: Map<string, AnswerRecord>, ctx: EvalContext): Promise<JudgeRecord[]> {
  const ref = plan.reference!;
  const refOf = new Map<string, AnswerRecord>();
  for (const a of answers.values()) if (a.point === ref.key) refOf.set(`${a.promptId}\u0000${a.seed}`, a);
  const out: JudgeRecord[] = [];
  const pairs: { a: AnswerRecord; b: AnswerRecord; key: string }[] = [];
  for (const a of answers.values()) {
    if (a.point === ref.key || a.error) continue;
    const b = refOf.get(`${a.promptId}\u0000${a.seed}`);
    if (!b || b.error) continue;
    const key = hash('judge', ctx.judge!.label, a.key, b.key);
    const had = ctx.done.get(key);
    if (had?.kind === 'judge') out.push(had);
    else pairs.push({ a, b, key });
  }
  await pool(
    pairs,
    ctx.concurrency,
    async ({ a, b, key }) => {
      const first = candidateFirst(ctx.judgeSeed ?? 0, key);
      let verdict;
      try {
        verdict = await ctx.judge!.compare(a.prompt, first ? a.text : b.text, first ? b.text : a.text, ctx.signal);
      } catch (e) {
        // Not recorded: a rerun asks again.
        if (!ctx.signal?.aborted) ctx.onWarning?.(`judge: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      const rec: JudgeRecord = { kind: 'judge', key, point: a.point, reference: b.point, promptId: a.promptId, seed: a.seed, candidateFirst: first, verdict, outcome: judgeOutcome(verdict, first) };
      ctx.write(rec);
      out.push(rec);
    },
    ctx.signal,
  );
  return out;
}
