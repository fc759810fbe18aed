// Rollouts τ ~ model(·|[s_t, z]) as the value strategies keep them, and the candidate set a top-k list gives.
import type { Completion, FinishReason, SampledToken, TokenLogprob } from '../model';

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
  /** r_BL(x, [y<t, z, τ]) (indirect transfer with a baseline reward source); not carried to the next step. */
  rewardBL?: number;
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
