// Rollouts τ ~ model(·|[s_t, z]) as the value strategies keep them, and what a chosen candidate's rollouts leave for the next state.
import type { Completion, FinishReason, SampledToken, TokenId, TokenLogprob } from '../model';
import type { SpeculatedState } from './speculation';

export interface Rollout {
  /** The continuation after the candidate token (EOS excluded). */
  tokens: SampledToken[];
  text: string;
  finish: FinishReason;
  /** Rollout model's log-probability of the EOS that ended it. */
  eosLogprob?: number;
  /** Rollout model's top-k where EOS was sampled. */
  eosTop?: TokenLogprob[];
  /** r(x, [y<t, z, τ]): the same full text after reuse, so it is kept with the rollout. */
  reward?: number;
  /** log π_base of each token of τ, then of EOS when τ ended with one (indirect transfer, implicit weights). */
  baseLogprobs?: number[];
}

export const fromCompletion = (c: Completion): Rollout => ({
  tokens: c.tokens,
  text: c.text,
  finish: c.finish,
  ...(c.eosLogprob !== undefined ? { eosLogprob: c.eosLogprob } : {}),
  ...(c.eosTop ? { eosTop: c.eosTop } : {}),
});

/**
 * The candidate set a top-k list gives (ALGORITHM step 1): finite entries, best first, k of them. Servers may
 * list top-k out of order or with the sampled token added (k+1): sort, then cut to k.
 */
export function topCandidates(top: readonly TokenLogprob[], k: number): TokenLogprob[] {
  return top.filter((t) => Number.isFinite(t.logprob)).sort((a, b) => b.logprob - a.logprob).slice(0, k);
}

/** The rollout model's top-k at the state before position i of τ (i = tokens.length: where EOS was drawn). */
export function topAt(r: Rollout, i: number): TokenLogprob[] | undefined {
  return i < r.tokens.length ? r.tokens[i].top : r.finish === 'eos' ? r.eosTop : undefined;
}

/** What step t leaves for state s_{t+1}. */
export interface Carry {
  /** The rollout model's top-k at s_{t+1}. */
  rolloutTop?: TokenLogprob[];
  /** π_base's top-k at s_{t+1} (from the scoring call's nextTopK). */
  baseTop?: TokenLogprob[];
  /** Known log π_base(z' | s_{t+1}). */
  baseLogprob: Map<TokenId, number>;
  /** Rollouts from [s_{t+1}, z'], by z'. */
  reusable: Map<TokenId, Rollout[]>;
  /** Step t speculated on s_{t+1} and was right: fresh rollouts there (used instead of the reusable ones). */
  speculated?: SpeculatedState;
}

/**
 * The chosen candidate's rollouts that begin with the committed tokens `accepted`, cut after them.
 *
 * Why reuse keeps Q̂ unbiased: a rollout of z was drawn token by token from ρ_BL(·|[s_t, z]); given
 * its first token z', the rest τ' is distributed as ρ_BL(·|[s_t, z, z']) — exactly what a fresh
 * rollout of candidate z' at s_{t+1} = [s_t, z] would be. The decoder tops each candidate up to N
 * with fresh draws, so Q̂(s_{t+1}, z') is still a mean of N draws from the right distribution.
 * When H ≥ the remaining length (every rollout ended by EOS/stop) the reused draw is complete and
 * its reward is an unbiased sample of r under ρ_BL. When a rollout was cut at the horizon, the reused
 * one is cut at H − 1 − |accepted|: those samples look one token less far ahead than fresh ones.
 * One caveat, stated rather than hidden: z was chosen using these same rewards, so given that z won,
 * they are slightly optimistic (a winner's curse that shrinks with N and with the winning margin).
 * The exact tests check Q̂ at a first step, where nothing is reused.
 */
export function carryFrom(rollouts: readonly Rollout[], accepted: readonly TokenId[], rolloutIsBase: boolean): Carry {
  const a = accepted.length;
  const carry: Carry = { baseLogprob: new Map(), reusable: new Map() };
  for (const r of rollouts) {
    if (r.tokens.length < a) continue;
    let match = true;
    for (let i = 0; i < a; i++) if (r.tokens[i].id !== accepted[i]) { match = false; break; }
    if (!match) continue;
    carry.rolloutTop ??= topAt(r, a);
    if (r.tokens.length === a) continue; // ended (EOS/stop/horizon) right at s_{t+1}: nothing to reuse
    const first = r.tokens[a];
    // Sampled logprobs are the raw model's (not tempered), so base rollouts give log π_base directly.
    const lp = rolloutIsBase ? first.logprob : r.baseLogprobs?.[a];
    if (lp !== undefined) carry.baseLogprob.set(first.id, lp);
    let consumed = '';
    for (let i = 0; i <= a; i++) consumed += r.tokens[i].text;
    const rest = r.tokens.slice(a + 1);
    const reused: Rollout = {
      tokens: rest,
      text: r.text.startsWith(consumed) ? r.text.slice(consumed.length) : rest.map((t) => t.text).join(''),
      finish: r.finish,
      ...(r.eosLogprob !== undefined ? { eosLogprob: r.eosLogprob } : {}),
      ...(r.eosTop ? { eosTop: r.eosTop } : {}),
      ...(r.baseLogprobs ? { baseLogprobs: r.baseLogprobs.slice(a + 1) } : {}),
      ...(r.reward !== undefined ? { reward: r.reward } : {}),
    };
    const list = carry.reusable.get(first.id);
    if (list) list.push(reused);
    else carry.reusable.set(first.id, [reused]);
  }
  return carry;
}
