// Sequential allocation for a TQ* step: rounds of rollouts for the candidates still in contest.
import { normalQuantile, openContest } from '../allocation';
import type { DecodeState, RunContext } from '../context';
import type { RewardSpread } from '../strength';
import type { TokenId } from '../model';
import type { Candidate, StepPlan } from './tqCandidates';
import { drawMore, rewardRollouts } from './tqRollouts';
import { stepAlpha } from './tqStrength';
import { rolloutEstimate } from './tqValues';

/**
 * Sequential allocation (greedy selection): after the first round, the leader by log π_base + α·Q̂
 * and every candidate whose interval (z·α·SE) still reaches the leader's get `round` more rollouts,
 * until no interval reaches it (settled at `confidence`) or each open candidate has N. The SE of a
 * candidate is floored by the step's mean rollout variance, so that two equal rewards do not read as
 * certainty. Returns a note for the diagnostics.
 */
export async function allocateRounds(ctx: RunContext, state: DecodeState, s: StepPlan, valued: readonly Candidate[], promptOf: (c: Candidate) => TokenId[], spread: RewardSpread): Promise<string> {
  const p = ctx.params;
  const { round, confidence } = p.allocation;
  const N = p.rollouts;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const first = valued.reduce((n, c) => n + c.rollouts.length, 0);
  for (let r = 2; ; r++) {
    const alpha = stepAlpha(p, valued, spread);
    const floor = meanVariance(valued);
    const arms = valued.map((c) => ({
      score: c.logprobBase === null || !c.estimate ? -Infinity : c.logprobBase + alpha * c.estimate.q,
      halfWidth: c.terminal ? 0 : z * alpha * standardError(c, floor),
    }));
    const { leader, rivals } = openContest(arms);
    const drawn = valued.reduce((n, c) => n + c.rollouts.length, 0);
    const what = `sequential allocation: ${drawn} rollouts (first round ${first}, at most ${valued.filter((c) => !c.terminal).length * N})`;
    if (!rivals.length) return `${what}; settled at ${confidence} after ${r - 1} round${r > 2 ? 's' : ''}`;
    const open = [leader, ...rivals].map((i) => valued[i]).filter((c) => !c.terminal && c.rollouts.length < N);
    if (!open.length) return `${what}; N per candidate reached before the choice settled at ${confidence}`;
    const before = open.map((c) => c.rollouts.length);
    await drawMore(ctx, state, s, open, open.map((c) => Math.min(round, N - c.rollouts.length)), r, promptOf);
    await rewardRollouts(ctx, state, s, open, false, promptOf);
    open.forEach((c, i) => spread.add(c.rewards.slice(before[i])));
    for (const c of open) c.estimate = rolloutEstimate(c, s.indirect, p, s.eosId);
  }
}

/** Mean sample variance of the rewards over the candidates with ≥ 2 rollouts (null when none has). */
function meanVariance(cands: readonly Candidate[]): number | null {
  let sum = 0;
  let n = 0;
  for (const c of cands) {
    if (c.terminal || c.rewards.length < 2) continue;
    const m = c.rewards.reduce((a, b) => a + b, 0) / c.rewards.length;
    sum += c.rewards.reduce((a, b) => a + (b - m) ** 2, 0) / (c.rewards.length - 1);
    n++;
  }
  return n ? sum / n : null;
}

/** SE of Q̂ with the variance floored by the step's mean variance; Infinity when nothing is known. */
function standardError(c: Candidate, floor: number | null): number {
  const n = c.rollouts.length;
  if (!n) return Infinity;
  const own = c.estimate?.stderr;
  const ownVar = own === null || own === undefined ? null : own * own * n;
  const v = Math.max(ownVar ?? -Infinity, floor ?? -Infinity);
  return Number.isFinite(v) ? Math.sqrt(v / n) : Infinity;
}
