// Steps 1–2 of a TQ* (or CD) step: the candidate set C_t and log π_base(z | s_t) for each candidate.
import type { RunContext, DecodeState } from '../context';
import { TqError } from '../errors';
import type { QEstimate } from '../estimators';
import type { LanguageModel, ScoreResult, Token, TokenId, TokenLogprob } from '../model';
import type { Carry } from './carry';
import { topEntryFlags } from './flags';
import { topCandidates, type Rollout } from './rollouts';

export type Kind = 'tqstar' | 'cd';

export interface Candidate extends Token {
  logprobBase: number | null;
  logprobBaseline: number | null;
  /** No rollouts: EOS (Q = r(x, y<t)) or no room left (Q = r(x, [y<t, z])). */
  terminal: boolean;
  rollouts: Rollout[];
  rewards: number[];
  estimate?: QEstimate;
  flags: string[];
}

/** What the strategy's kind and the parameters fix for one step. */
export interface StepPlan {
  kind: Kind;
  k: number;
  /** Rollouts per candidate in the first (or only) round. */
  n: number;
  /** The model rollouts come from: ρ_BL, or π_base for CD (Mudgal et al.), which proposes from π_base too. */
  rolloutModel: LanguageModel;
  rolloutIsBase: boolean;
  proposer: 'baseline' | 'base' | 'union';
  indirect: boolean;
  estimator: 'rollouts' | 'implicit' | 'hybrid';
  eosId: TokenId | null;
  reuse: boolean;
  wantBaseline: boolean;
  wantBase: boolean;
  /** Ask π_base's top-k at s_{t+1} with this step's scoring (proposing from π_base with reuse). */
  needNextBaseTop: boolean;
  /** Tokens a rollout may still add after z, and the rollout horizon. */
  remaining: number;
  horizon: number;
}

export function planStep(ctx: RunContext, state: DecodeState, kind: Kind): StepPlan {
  const { env, params: p } = ctx;
  const rolloutIsBase = kind === 'cd';
  const proposer = kind === 'cd' ? 'base' : p.proposer;
  const indirect = kind === 'tqstar' && p.transfer === 'indirect';
  // CD values candidates by π_base's own continuations: it has no implicit value.
  const estimator = kind === 'cd' ? 'rollouts' : p.estimator;
  if (estimator !== 'rollouts' && indirect) {
    throw new TqError('config', `The ${estimator} estimator values candidates by the baseline's own log-probabilities, which is direct transfer: use transfer "direct" or estimator "rollouts".`, { setting: 'tqstar.decoding.estimator' });
  }
  const rolloutModel = rolloutIsBase ? env.base : env.baseline;
  const wantBase = proposer !== 'baseline';
  const remaining = p.maxTokens - state.tokens.length - 1;
  return {
    kind,
    k: p.topK,
    n: sequential(ctx) ? Math.min(p.allocation.firstRound, p.rollouts) : p.rollouts,
    rolloutModel,
    rolloutIsBase,
    proposer,
    indirect,
    estimator,
    eosId: env.base.eosId ?? rolloutModel.eosId,
    reuse: p.speed.reuseRollouts,
    wantBaseline: proposer !== 'base',
    wantBase,
    needNextBaseTop: wantBase && !rolloutIsBase && p.speed.reuseRollouts,
    remaining,
    horizon: Math.min(p.horizon, remaining),
  };
}

/** Sequential allocation is defined for greedy selection (it settles the argmax); sampling keeps the fixed allocation. */
export function sequential(ctx: RunContext): boolean {
  return ctx.params.allocation.kind === 'sequential' && ctx.params.selection === 'greedy';
}

/** C_t from the proposer's top-k (ALGORITHM step 1); union keeps the baseline's order, then the base's extra tokens. */
function proposerSet(proposer: StepPlan['proposer'], k: number, baselineTop?: TokenLogprob[], baseTop?: TokenLogprob[]): TokenLogprob[] {
  const bl = topCandidates(baselineTop ?? [], k);
  const b = topCandidates(baseTop ?? [], k);
  if (proposer === 'baseline') return bl;
  if (proposer === 'base') return b;
  const seen = new Set(bl.map((t) => t.id));
  return [...bl, ...b.filter((t) => !seen.has(t.id))];
}

export interface CandidateSet {
  cands: Candidate[];
  /** The proposer's own top-k list at s_t (what the gate reads). */
  proposerTop: TokenLogprob[];
  /** Resolves with log π_base of the last entry of π_base's top-k at s_t once a lookup fetched it (never, without one). */
  lookup: Promise<number>;
  /**
   * Starts step 2 (once; later calls return the same promise): log π_base of every candidate applied
   * (exact where the base gave it); resolves with the raw results of the scoring call.
   */
  score(): Promise<ScoreResult[]>;
  /** The candidates the scoring call scored, in its order. */
  scored(): Candidate[];
  /** π_base's top-k at s_t when this step saw it (at its start, or from the lookup). */
  baseTop(): TokenLogprob[] | undefined;
}

/**
 * Steps 1–2. The proposer's top-k comes from the last step's rollouts when possible (reuse), else one
 * request. log π_base of candidates that π_base's own top-k at s_t covers comes from that list (one
 * prompt, O(k) bytes back) instead of echoing the whole prefix once per candidate (O(k·L)); only the
 * rest is scored. `alsoBaseTop`: fetch π_base's top-k beside the proposer's at the step's start (the gate).
 */
export async function gatherCandidates(ctx: RunContext, state: DecodeState, s: StepPlan, carry: Carry | undefined, alsoBaseTop = false): Promise<CandidateSet> {
  const { env, params: p, signal } = ctx;
  const { k, proposer, rolloutIsBase, wantBase, wantBaseline, needNextBaseTop, eosId } = s;
  const opts = { signal };
  let baselineTop = !rolloutIsBase ? carry?.rolloutTop : undefined;
  let baseTop = carry?.baseTop ?? (rolloutIsBase ? carry?.rolloutTop : undefined);
  // The previous step speculated on this state: its rollouts (and π_base's top-k here) are drawn or on their way.
  const hit = carry?.speculated;
  if (hit) {
    // Speculating rollouts carry no top-k lists: the speculation fetched the proposer's top-k here.
    // A speculation that failed is only a lost head start: this step asks for what it needs itself.
    const top = await hit.top.catch(() => undefined);
    if (proposer === 'base') baseTop ??= top;
    else baselineTop ??= top;
  }
  // At the first step the lookup travels beside the proposer's top-k request.
  const state0 = !baselineTop && wantBaseline;
  // A base that scores one-token continuations of one prompt cheaply (LanguageModel.cheapTokenScoring)
  // scores every candidate in that one request once they are known at the step's start: the lookup
  // would only add a request before it. Proposing from the base needs its natural top-k anyway.
  const cheapScoring = p.speed.baseTopLookup && !wantBase && !state0 && env.base.cheapTokenScoring === true;
  const lookupBaseTop = !baseTop && !needNextBaseTop && p.speed.baseTopLookup && !cheapScoring;
  const [fetchedBl, fetchedBase] = await Promise.all([
    wantBaseline && !baselineTop ? env.baseline.nextTokens([state.ids], k, opts) : undefined,
    (wantBase || (lookupBaseTop && (state0 || alsoBaseTop))) && !baseTop ? env.base.nextTokens([state.ids], k, opts) : undefined,
  ]);
  baselineTop ??= fetchedBl?.[0];
  baseTop ??= fetchedBase?.[0];
  let seenBaseTop = baseTop;
  const known = new Map<TokenId, number>(carry?.baseLogprob ?? []);
  for (const t of baseTop ?? []) known.set(t.id, t.logprob);
  const blLogprob = new Map<TokenId, number>((baselineTop ?? []).map((t) => [t.id, t.logprob]));
  const cands: Candidate[] = proposerSet(proposer, k, baselineTop, baseTop).map((t) => ({
    id: t.id,
    text: t.text,
    logprobBase: known.get(t.id) ?? null,
    logprobBaseline: blLogprob.get(t.id) ?? null,
    terminal: t.id === eosId || s.horizon <= 0,
    rollouts: [],
    rewards: [],
    flags: topEntryFlags(t),
  }));
  if (!cands.length) throw new TqError('protocol', `${proposer === 'base' ? env.base.label : env.baseline.label} returned no candidate tokens with a finite log-probability.`);

  // Step 2: log π_base(z | s_t) exactly, for every candidate: from π_base's top-k at s_t where it covers
  // z, else one scoring call (which also asks π_base's next top-k when proposing from it). EOS needs no
  // next top-k: it is left out when its log-probability is already known. Speculation ranks as soon as
  // π_base's top-k is in: a candidate outside it has log π_base below the list's last entry.
  let toScore: Candidate[] = [];
  let lookedUp: ((bound: number) => void) | undefined;
  const lookup = new Promise<number>((resolve) => (lookedUp = resolve));
  let scoring: Promise<ScoreResult[]> | undefined;
  const start = async () => {
    if (!baseTop && cands.some((c) => c.logprobBase === null) && lookupBaseTop) {
      const top = (await hit?.baseTop.catch(() => undefined)) ?? (await env.base.nextTokens([state.ids], k, opts))[0];
      seenBaseTop = top;
      for (const t of top ?? []) if (Number.isFinite(t.logprob)) known.set(t.id, t.logprob);
      for (const c of cands) c.logprobBase ??= known.get(c.id) ?? null;
      lookedUp!(top?.length ? Math.min(...top.map((t) => t.logprob)) : -Infinity);
    }
    toScore = cands.filter((c) => c.logprobBase === null || (needNextBaseTop && c.id !== eosId));
    if (!toScore.length) return [];
    const res = await env.base.score({ items: toScore.map((c) => ({ prompt: state.ids, continuation: [c.id] })), sharedPrefix: state.ids.length, ...(needNextBaseTop ? { nextTopK: k } : {}) }, opts);
    toScore.forEach((c, i) => {
      const lp = res[i]?.logprobs[0];
      if (typeof lp === 'number' && !Number.isNaN(lp)) c.logprobBase = lp;
    });
    return res;
  };
  return { cands, proposerTop: (proposer === 'base' ? baseTop : baselineTop) ?? [], lookup, score: () => (scoring ??= start()), scored: () => toScore, baseTop: () => seenBaseTop };
}

/** StepDiagnostics.baseTop: π_base's real top-1 at s_t (the head of its top-k list), when the step saw that list. */
export function baseFavourite(baseTop: readonly TokenLogprob[] | undefined, cands: readonly { id: TokenId }[]): { id: TokenId; text: string; logprobBase: number; proposed: boolean } | undefined {
  const [top] = topCandidates(baseTop ?? [], 1);
  if (!top) return undefined;
  return { id: top.id, text: top.text, logprobBase: top.logprob, proposed: cands.some((c) => c.id === top.id) };
}
