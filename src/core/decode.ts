// The one decoding loop every strategy shares: state, stop conditions, budget, cancellation, events, final reward.
import type { DecodingParams, StrategyName } from '../config/schema';
import type { DecodeEnv, DecodeState, Prompt, RunContext } from './context';
import { TqError, isAbort } from './errors';
import type { DecodeResult, ErrorInfo, FinishReason, RunOptions, RunResult, StepDiagnostics } from './events';
import { Meter, meteredModel, meteredReward } from './meter';
import { Rng, deriveSeed } from './rng';
import { STRATEGIES } from './strategies/index';

const now = () => performance.now();

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof TqError) return e.toInfo();
  if (isAbort(e)) return { kind: 'aborted', message: 'Cancelled.' };
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** First occurrence of any stop sequence in text at or after `from`, or -1. */
function findStop(text: string, stop: readonly string[], from: number): number {
  let best = -1;
  for (const s of stop) {
    if (!s) continue;
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Settings under which Q̂ stops estimating what ALGORITHM.md says it estimates: said once per run, never silently. */
export function estimatorWarnings(strategy: StrategyName, p: DecodingParams): string[] {
  if (strategy !== 'tqstar' && strategy !== 'cd') return [];
  const out: string[] = [];
  if (p.allocation.kind === 'sequential' && p.selection === 'sample') {
    out.push('allocation "sequential" settles the argmax, which sampling does not take: every candidate gets its N rollouts (setting tqstar.decoding.allocation.kind).');
  }
  if (p.rolloutTemperature === 1) return out;
  out.push(`rolloutTemperature ${p.rolloutTemperature} ≠ 1: rollouts are not draws from the ${strategy === 'cd' ? 'base' : 'baseline'} model itself, so Q̂ is a biased estimate (setting tqstar.decoding.rolloutTemperature).`);
  if (strategy === 'tqstar' && p.transfer === 'indirect' && p.indirectWeights === 'implicit') {
    out.push('indirect transfer: the implicit importance weights use the baseline\'s own log-probabilities, which assume rollouts at temperature 1.');
  }
  return out;
}

export async function decode(strategy: StrategyName, prompt: Prompt, env: DecodeEnv, params: DecodingParams, opts: RunOptions = {}): Promise<DecodeResult> {
  const t0 = now();
  const { signal, onEvent } = opts;
  const meter = new Meter(params.budget);
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    onEvent?.({ type: 'warning', strategy, message });
  };
  for (const m of [env.base, env.baseline]) for (const w of m.warnings ?? []) warn(w);
  for (const w of estimatorWarnings(strategy, params)) warn(w);

  const metered: DecodeEnv = {
    base: meteredModel(env.base, meter),
    baseline: meteredModel(env.baseline, meter),
    reward: meteredReward(env.reward, meter),
    ...(env.baselineReward ? { baselineReward: meteredReward(env.baselineReward, meter) } : {}),
    ...(env.valueOracle ? { valueOracle: env.valueOracle } : {}),
  };
  // Rewards of texts y<t ⊕ suffix, keyed by the suffix after the current state's text: a step that
  // appends A keeps the entries whose suffix starts with A, re-keyed past it (O(entries · |A|),
  // not a scan of whole texts, whose length grows with the answer).
  let rewardCache = new Map<string, number>();
  const state: DecodeState = { ids: [], tokens: [], text: '', step: 0 };
  const ctx: RunContext = {
    strategy,
    env: metered,
    params,
    prompt: { text: prompt.text, ids: prompt.ids ?? [] },
    meter,
    signal,
    rngFor: (step, purpose) => new Rng(deriveSeed(params.seed, strategy, step, purpose)),
    seedFor: (step, purpose) => deriveSeed(params.seed, strategy, step, purpose),
    async rewards(suffixes) {
      return (await ctx.rewardsMixed(suffixes, [])).cached;
    },
    async rewardsMixed(cached, fresh) {
      const missing = [...new Set(cached.filter((r) => !rewardCache.has(r)))];
      const all = [...missing, ...fresh];
      let scores: number[] = [];
      const at = state.text;
      if (all.length) scores = await metered.reward.score(all.map((suffix) => ({ prompt: prompt.text, response: at + suffix })), { signal });
      missing.forEach((r, i) => rewardCache.set(r, scores[i]));
      return { cached: cached.map((r) => rewardCache.get(r)!), fresh: scores.slice(missing.length) };
    },
    warn,
  };

  const steps: StepDiagnostics[] = [];
  let finish: FinishReason = 'maxTokens';
  let error: ErrorInfo | undefined;
  let strat: ReturnType<(typeof STRATEGIES)[StrategyName]> | undefined;
  try {
    if (signal?.aborted) throw new TqError('aborted', 'Cancelled.');
    ctx.prompt.ids = prompt.ids ?? (await metered.base.encode(prompt.text, { signal }));
    state.ids = [...ctx.prompt.ids];
    onEvent?.({ type: 'start', strategy, promptTokens: state.ids.length });
    strat = STRATEGIES[strategy](ctx);
    while (state.tokens.length < params.maxTokens) {
      if (signal?.aborted) throw new TqError('aborted', 'Cancelled.');
      const ts = now();
      const r0 = meter.requests;
      const m0 = meter.modelTokens;
      const out = await strat.step(state);
      const appended = out.eosChosen ? out.accepted : [out.chosen, ...out.accepted];
      const room = params.maxTokens - state.tokens.length;
      const kept = appended.slice(0, room);
      const prevLen = state.text.length;
      for (const t of kept) {
        state.tokens.push(t);
        state.ids.push(t.id);
      }
      state.text += out.text !== undefined && kept.length === appended.length ? out.text : kept.map((t) => t.text).join('');
      const step: StepDiagnostics = {
        index: state.step,
        chosen: { id: out.chosen.id, text: out.chosen.text },
        accepted: out.accepted,
        candidates: out.candidates,
        ...(out.note ? { note: out.note } : {}),
        ...(out.baseTop ? { baseTop: out.baseTop } : {}),
        ...(out.alpha !== undefined ? { alpha: out.alpha } : {}),
        ...(out.steered !== undefined ? { steered: out.steered } : {}),
        timing: { wallMs: now() - ts },
        requests: meter.requests - r0,
        modelTokens: meter.modelTokens - m0,
      };
      steps.push(step);
      state.step++;
      // Only rewards of texts that extend the new state can be asked for again.
      const added = state.text.slice(prevLen);
      const survivors = new Map<string, number>();
      for (const [suffix, v] of rewardCache) if (suffix.startsWith(added)) survivors.set(suffix.slice(added.length), v);
      rewardCache = survivors;
      const stopAt = params.stop.length ? findStop(state.text, params.stop, prevLen) : -1;
      if (stopAt >= 0) {
        state.text = state.text.slice(0, stopAt);
        rewardCache.clear(); // keyed by the text before the cut
      }
      onEvent?.({ type: 'step', strategy, step, text: state.text });
      if (stopAt >= 0) {
        finish = 'stop';
        break;
      }
      if (out.end) {
        finish = out.end === 'maxTokens' ? 'maxTokens' : out.end;
        break;
      }
    }
    if (finish !== 'stop' && finish !== 'eos') finish = 'maxTokens';
  } catch (e) {
    finish = isAbort(e) || signal?.aborted ? 'aborted' : 'error';
    error = finish === 'aborted' ? { kind: 'aborted', message: 'Cancelled.' } : errorInfo(e);
  } finally {
    strat?.dispose?.();
  }

  // The reward of the (possibly partial) answer: after a budget error or a cancel this is one
  // request past the limit, bounded in time, because a scored partial answer is worth it.
  let reward: number | null = rewardCache.get('') ?? null;
  if (reward === null && error?.kind !== 'reward') {
    try {
      const s = finish === 'aborted' ? AbortSignal.timeout(5000) : signal;
      // Only this request passes the spent budget: work still in flight (a background text fetch) does not.
      [reward] = await meteredReward(env.reward, meter, false).score([{ prompt: prompt.text, response: state.text }], { signal: s });
    } catch (e) {
      if (!error) {
        finish = isAbort(e) ? 'aborted' : 'error';
        error = errorInfo(e);
      }
    }
  }
  // A backend may add a warning during the run (a redrawn request, say): carried too.
  for (const m of [env.base, env.baseline]) for (const w of m.warnings ?? []) warn(w);
  const result: DecodeResult = {
    strategy,
    text: state.text,
    tokens: state.tokens,
    reward,
    steps,
    stats: { requests: meter.requests, modelTokens: meter.modelTokens, wallMs: now() - t0 },
    finish,
    ...(error ? { error } : {}),
    warnings,
  };
  onEvent?.({ type: 'end', strategy, result });
  return result;
}

/**
 * Runs the strategies side by side, at most `opts.concurrency` at a time (default: all), then
 * ranks by reward, best first. They are independent: each decode has its own meter, reward cache
 * and per-strategy seeds, so running them together computes what running them in turn did; the
 * endpoints' own per-replica concurrency bounds what reaches the servers. Events carry their
 * strategy, so interleaved streams stay attributable. After a cancel no further strategy starts
 * (unless none has, so that the result still says "aborted").
 */
export async function runStrategies(strategies: StrategyName[], prompt: Prompt, env: DecodeEnv, params: DecodingParams, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = now();
  const slots: (DecodeResult | undefined)[] = new Array(strategies.length);
  const limit = Math.max(1, Math.min(strategies.length, Math.floor(opts.concurrency ?? strategies.length)));
  let next = 0;
  let started = 0;
  const worker = async () => {
    while (next < strategies.length) {
      if (opts.signal?.aborted && started) return;
      const i = next++;
      started++;
      slots[i] = await decode(strategies[i], prompt, env, params, opts);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  // Input order first, so that the stable sort breaks ties by the order asked for.
  const results = slots.filter((r): r is DecodeResult => r !== undefined);
  const rank = (r: DecodeResult) => r.reward ?? -Infinity;
  results.sort((a, b) => rank(b) - rank(a));
  return {
    results,
    stats: {
      requests: results.reduce((n, r) => n + r.stats.requests, 0),
      modelTokens: results.reduce((n, r) => n + r.stats.modelTokens, 0),
      wallMs: now() - t0,
    },
  };
}
