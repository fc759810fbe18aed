// What a step leaves for the next state: the proposer's and π_base's top-k there and the chosen candidate's reusable rollouts.
import type { TokenId, TokenLogprob } from '../model';
import { topAt, type Rollout } from './rollouts';
import type { SpeculatedState } from './speculation';

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
