// Steps 3–4 of a TQ* (or CD) step: rollouts τ_i ~ ρ_BL(·|[s_t, z]) per candidate (reused, speculated or fresh) and their rewards.
import type { DecodeState, RunContext } from '../context';
import { TqError } from '../errors';
import type { CallOptions, TokenId } from '../model';
import type { Carry } from './carry';
import { extendReused } from './extendReused';
import { fromCompletion, type Rollout } from './rollouts';
import type { Candidate, StepPlan } from './tqCandidates';

/**
 * carryFrom reads a fresh rollout's top-k at most at position blockAccept (after the accepted
 * block); reused rollouts are read deeper, which a backend serves on demand when it can.
 */
export const TOP_POSITIONS = (blockAccept: number) => 1 + blockAccept;

/** [s_t, z] once per candidate: the rollouts of z and their scoring (indirect) share the array. */
export function promptsOf(state: DecodeState): (c: Candidate) => TokenId[] {
  const prompts = new Map<Candidate, TokenId[]>();
  return (c) => {
    let a = prompts.get(c);
    if (!a) prompts.set(c, (a = [...state.ids, c.id]));
    return a;
  };
}

/**
 * With speculation the next candidates come from its own top-k request (one prompt per speculated
 * state), so rollouts skip top-k lists: vLLM sends them at every position, ≈ 5× the bytes of a
 * rollout. A miss then asks the proposer's top-k at the next step's start (one short request).
 */
export function wantTops(ctx: RunContext, s: StepPlan): boolean {
  return s.reuse && (s.rolloutIsBase ? s.wantBase : s.wantBaseline) && ctx.params.speed.speculate === 0;
}

/**
 * Step 3, first round: `s.n` rollouts for each candidate in `rollable`, all in one request. A
 * speculation hit supplies them (topped up where it lacks some); otherwise the last step's reusable
 * rollouts of z count first (extended to the full horizon with speed.extendReused).
 */
export async function drawRollouts(ctx: RunContext, state: DecodeState, s: StepPlan, rollable: readonly Candidate[], carry: Carry | undefined, promptOf: (c: Candidate) => TokenId[], notes: string[]): Promise<void> {
  const { params: p, signal } = ctx;
  const N = s.n;
  const hit = carry?.speculated;
  const opts = { signal };
  const fresh: number[] = rollable.map((c) => {
    const reused = s.reuse && !hit ? (carry?.reusable.get(c.id) ?? []).slice(0, N) : [];
    c.rollouts = reused;
    return N - reused.length;
  });
  if (hit) {
    // Speculated rollouts first; any candidate they lack (another top-k, a shrunk k) is topped up below.
    const got = await hit.rollouts.catch(() => undefined);
    if (got) notes.push(state.step - hit.launchedAt >= 2 ? 'rollouts drawn ahead by speculation two steps before (speed.speculateDepth)' : 'rollouts drawn ahead by speculation (speed.speculate)');
    else notes.push('speculation failed: rollouts drawn now (speed.speculate)');
    rollable.forEach((c, i) => {
      c.rollouts = (got?.get(c.id) ?? []).slice(0, N);
      fresh[i] = N - c.rollouts.length;
    });
  }
  // Reused rollouts one token short (cut at the horizon) get their missing tokens beside the fresh ones.
  const extending = p.speed.extendReused && s.reuse && !hit ? extendReused(ctx, s.rolloutModel, rollable, promptOf, s.horizon, state.step, opts) : Promise.resolve(0);
  const uniform = fresh.every((f) => f === N);
  const prompts: TokenId[][] = [];
  const owner: Candidate[] = [];
  rollable.forEach((c, i) => {
    const prompt = promptOf(c); // one array per candidate, shared by its repeats
    for (let j = 0; j < (uniform ? 1 : fresh[i]); j++) {
      prompts.push(prompt);
      owner.push(c);
    }
  });
  if (!prompts.length) {
    if ((await extending) > 0) notes.push('reused rollouts extended to the full horizon (speed.extendReused)');
    return;
  }
  const top = wantTops(ctx, s);
  const resP = s.rolloutModel.sample(
    {
      prompts,
      n: uniform ? N : 1,
      temperature: p.rolloutTemperature,
      maxTokens: s.horizon,
      stop: p.stop,
      sharedPrefix: state.ids.length,
      seed: ctx.seedFor(state.step, 'rollouts'),
      ...(top ? { topLogprobs: s.k, topLogprobsPositions: TOP_POSITIONS(p.speed.blockAccept) } : {}),
    },
    opts,
  );
  const [res, nExtended] = await Promise.all([resP, extending]);
  if (nExtended > 0) notes.push('reused rollouts extended to the full horizon (speed.extendReused)');
  res.forEach((perPrompt, i) => {
    for (const c of perPrompt) owner[i].rollouts.push(fromCompletion(c));
  });
}

/**
 * A later round of sequential allocation: `more[i]` fresh rollouts for candidate `cands[i]`, in one
 * request with its own seed (fresh random numbers, independent of every earlier draw given z).
 */
export async function drawMore(ctx: RunContext, state: DecodeState, s: StepPlan, cands: readonly Candidate[], more: readonly number[], round: number, promptOf: (c: Candidate) => TokenId[]): Promise<void> {
  const p = ctx.params;
  const prompts: TokenId[][] = [];
  const owner: Candidate[] = [];
  const uniform = more.every((m) => m === more[0]);
  cands.forEach((c, i) => {
    for (let j = 0; j < (uniform ? 1 : more[i]); j++) (prompts.push(promptOf(c)), owner.push(c));
  });
  if (!prompts.length) return;
  const res = await s.rolloutModel.sample(
    { prompts, n: uniform ? more[0] : 1, temperature: p.rolloutTemperature, maxTokens: s.horizon, stop: p.stop, sharedPrefix: state.ids.length, seed: ctx.seedFor(state.step, `rollouts/round${round}`) },
    { signal: ctx.signal },
  );
  res.forEach((perPrompt, i) => {
    for (const c of perPrompt) owner[i].rollouts.push(fromCompletion(c));
  });
}

/** Reward inputs as suffixes after y<t (the decode loop prepends it once per text it sends). */
export const suffixOf = (eosId: TokenId | null, c: Candidate, r?: Rollout) => (c.id === eosId ? '' : c.text + (r?.text ?? ''));

/**
 * Step 4: r_i = r(x, [y<t, z, τ_i]) for every rollout without a reward yet, and r(x, [y<t, z]) for
 * the terminal candidates among `valued` (`withTerminal`): one reward call. Indirect transfer's
 * weight ingredients travel beside it: r_BL of each rollout (a baseline reward source) or
 * log π_base(τ_i | [s_t, z]) (implicit weights; reused rollouts already carry theirs).
 * Sets each candidate's `rewards` (in the order of its rollouts; a terminal one: its one reward).
 */
export async function rewardRollouts(ctx: RunContext, state: DecodeState, s: StepPlan, valued: readonly Candidate[], withTerminal: boolean, promptOf: (c: Candidate) => TokenId[]): Promise<void> {
  const { env, params: p } = ctx;
  const opts: CallOptions = { signal: ctx.signal };
  const eosId = s.eosId;
  const terminal = withTerminal ? valued.filter((c) => c.terminal) : [];
  const unscored = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => r.reward === undefined).map((r) => ({ c, r }))));
  const rewarding = ctx.rewardsMixed(terminal.map((c) => suffixOf(eosId, c)), unscored.map(({ c, r }) => suffixOf(eosId, c, r))).then((res) => {
    unscored.forEach(({ r }, i) => (r.reward = res.fresh[i]));
    terminal.forEach((c, i) => (c.rewards = [res.cached[i]]));
  });
  let weighing: Promise<unknown> | undefined;
  if (s.indirect && p.indirectWeights === 'baseline-reward') {
    if (!env.baselineReward) {
      throw new TqError('config', 'Indirect transfer with indirectWeights "baseline-reward" needs a baseline reward source (baselineReward).', { setting: 'tqstar.baselineReward' });
    }
    const need = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => r.rewardBL === undefined)));
    const texts = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => r.rewardBL === undefined).map((r) => state.text + suffixOf(eosId, c, r))));
    if (texts.length) weighing = env.baselineReward.score(texts.map((response) => ({ prompt: ctx.prompt.text, response })), opts).then((res) => need.forEach((r, i) => (r.rewardBL = res[i])));
  } else if (s.indirect) {
    const need = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => !r.baseLogprobs).map((r) => ({ c, r }))));
    if (need.length) {
      weighing = env.base
        .score(
          {
            sharedPrefix: state.ids.length + 1,
            items: need.map(({ c, r }) => ({ prompt: promptOf(c), continuation: [...r.tokens.map((t) => t.id), ...(r.finish === 'eos' && eosId !== null ? [eosId] : [])] })),
          },
          opts,
        )
        .then((res) => need.forEach(({ r }, i) => (r.baseLogprobs = res[i].logprobs)));
    }
  }
  await Promise.all([rewarding, weighing]);
  for (const c of valued) if (!c.terminal) c.rewards = c.rollouts.map((r) => r.reward!);
}
