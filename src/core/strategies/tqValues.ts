// Step 5 of a TQ* (or CD) step: Q̂(s_t, z) from a candidate's rollouts (direct: the mean; indirect: self-normalised importance sampling), or from the implicit value.
import type { DecodingParams } from '../../config/schema';
import type { DecodeState, RunContext } from '../context';
import { implicitValue, meanEstimate, selfNormalisedEstimate, type QEstimate } from '../estimators';
import type { TokenId } from '../model';
import type { Rollout } from './rollouts';
import type { RewardSpread } from '../strength';
import { stepAlpha } from './tqStrength';
import type { Candidate } from './tqCandidates';

/** Q̂ from the rewards of a candidate's rollouts (`rewards` set; a terminal candidate: its exact value). */
export function rolloutEstimate(c: Candidate, indirect: boolean, p: DecodingParams, eosId: TokenId | null): QEstimate {
  if (c.terminal) return { q: c.rewards[0], stderr: 0, ess: 1 };
  if (!indirect) return meanEstimate(c.rewards);
  // w_i = exp(r_i/β − r_BL,i/β_BL); with the implicit reward r_BL/β_BL = log ρ_BL(τ) − log π_base(τ) + const.
  const logW = c.rollouts.map((r, i) => {
    if (r.rewardBL !== undefined) return c.rewards[i] / p.beta - r.rewardBL / p.betaBaseline;
    return c.rewards[i] / p.beta + baseLogprob(r, eosId) - rolloutLogprob(r, c, eosId);
  });
  return selfNormalisedEstimate(c.rewards, logW);
}

/**
 * The implicit value β_BL·[log ρ_BL(z|s_t) − log π_base(z|s_t)] (no rollouts, no reward call); null
 * when either log-probability is unknown. It estimates the soft advantage Q_soft − V_soft, not
 * E_{ρ*}[r | s_t, z]: see docs/decoding-method.md.
 */
export function implicitEstimate(c: Candidate, betaBaseline: number): QEstimate | undefined {
  if (c.logprobBase === null || c.logprobBaseline === null || !Number.isFinite(c.logprobBase) || !Number.isFinite(c.logprobBaseline)) return undefined;
  return { q: implicitValue(c.logprobBaseline, c.logprobBase, betaBaseline), stderr: 0, ess: 1 };
}

/** log π_base(τ | [s_t, z]); the EOS term only when the baseline's is known too, so that both sides cover the same tokens. */
function baseLogprob(r: Rollout, eosId: TokenId | null): number {
  const lps = r.baseLogprobs ?? [];
  const withEos = r.finish === 'eos' && eosId !== null && r.eosLogprob !== undefined;
  const n = Math.min(lps.length, r.tokens.length + (withEos ? 1 : 0));
  let s = 0;
  for (let i = 0; i < n; i++) s += lps[i];
  return s;
}

/** log ρ_BL(τ | [s_t, z]) from the sampled tokens' log-probabilities (and the EOS that ended τ). */
function rolloutLogprob(r: Rollout, c: Candidate, eosId: TokenId | null): number {
  let s = 0;
  for (const t of r.tokens) s += t.logprob;
  if (r.finish === 'eos' && eosId !== null) {
    if (r.eosLogprob === undefined) {
      const flag = 'implicit weights: EOS log-probability not reported by the baseline, weights omit the end of some rollouts';
      if (!c.flags.includes(flag)) c.flags.push(flag);
    } else s += r.eosLogprob;
  }
  return s;
}

/** The implicit value of every candidate; log ρ_BL of candidates outside the baseline's top-k (union, base proposer) is scored on the baseline. */
export async function implicitValues(ctx: RunContext, state: DecodeState, cands: Candidate[], scoring: Promise<unknown>): Promise<void> {
  const missing = cands.filter((c) => c.logprobBaseline === null);
  const scoringBaseline = missing.length
    ? ctx.env.baseline.score({ items: missing.map((c) => ({ prompt: state.ids, continuation: [c.id] })), sharedPrefix: state.ids.length }, { signal: ctx.signal }).then((res) =>
        missing.forEach((c, i) => {
          const lp = res[i]?.logprobs[0];
          if (typeof lp === 'number' && !Number.isNaN(lp)) c.logprobBaseline = lp;
        }),
      )
    : undefined;
  await Promise.all([scoring, scoringBaseline]);
  for (const c of cands) {
    const e = implicitEstimate(c, ctx.params.betaBaseline);
    if (e) c.estimate = e;
    else c.flags.push('implicit value unavailable (a log-probability is missing): excluded from selection');
  }
}

/** Hybrid: the `contenders` best by log π_base + α·(implicit value) keep their place and get rollouts; the others leave the contest. */
export function contenders(p: RunContext['params'], cands: Candidate[], notes: string[], spread: RewardSpread): Candidate[] {
  // The implicit values rank by their own strength (no reward is seen yet at this step).
  const alpha = stepAlpha(p, cands, spread, true);
  const rank = cands.map((c, i) => ({ c, i, s: c.estimate && c.logprobBase !== null ? c.logprobBase + alpha * c.estimate.q : -Infinity })).sort((a, b) => b.s - a.s || a.i - b.i);
  const keep = new Set(rank.slice(0, p.contenders).filter((x) => Number.isFinite(x.s)).map((x) => x.c));
  for (const c of cands) {
    c.estimate = undefined;
    if (!keep.has(c)) c.flags.push('hybrid: not among the contenders by implicit value, so no rollouts and not chosen');
  }
  if (keep.size < cands.length) notes.push(`hybrid: rollouts for ${keep.size} of ${cands.length} candidates, chosen by implicit value`);
  return cands.filter((c) => keep.has(c));
}
