// Speculation two steps ahead (speed.speculateDepth 2): under each speculated next state, the rollouts for its own likeliest next states.
import type { RunContext } from '../context';
import type { TokenId, TokenLogprob } from '../model';
import { topCandidates } from './rollouts';
import { speculate, type Speculation, type SpeculationPlan } from './speculation';

/**
 * The `width` likeliest next candidates of a speculated state, EOS left out (it needs no rollouts).
 * Ranked as the next step ranks its own speculation at a hit (where no reward is known yet): by
 * log π_base where π_base's top-k there is known, a candidate outside it bounded by that list's last
 * entry; else by the proposer's log-probability. Log-probabilities only: no reward of any rollout
 * decides what is drawn, so a hit's rollouts are fresh draws (see speculation.ts).
 */
export function likeliestNext(top: readonly TokenLogprob[] | undefined, baseTop: readonly TokenLogprob[] | undefined, k: number, eosId: TokenId | null, width: number): TokenId[] {
  // The candidate set the step after builds from the proposer's top-k.
  const cands = topCandidates(top ?? [], k);
  const base = new Map<TokenId, number>();
  for (const t of baseTop ?? []) if (Number.isFinite(t.logprob)) base.set(t.id, t.logprob);
  const bound = base.size ? Math.min(...base.values()) : -Infinity;
  const rank = (t: TokenLogprob) => (base.size ? (base.get(t.id) ?? bound) : t.logprob);
  return cands
    .filter((t) => t.id !== eosId)
    .map((t, i) => ({ id: t.id, s: rank(t), i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, width)
    .map((x) => x.id);
}

/** As a speculation's plan (stateIds s_t; horizon: step t + 2's rollouts), plus where its parents are. */
export interface BelowPlan extends Pick<SpeculationPlan, 'stateIds' | 'proposerModel' | 'rolloutModel' | 'wantBaseTop' | 'horizon' | 'eosId' | 'topLogprobsPositions' | 'rollouts'> {
  /** Index of the step launching it (t): the rollouts are step t + 2's. */
  step: number;
  /** The speculated next states z and the batch each belongs to (this step's, or the one drawn a step earlier). */
  parents: Array<{ z: TokenId; batch: Speculation }>;
  /** S': next states speculated under each parent. */
  width: number;
  live: Set<Speculation>;
  /** False once the step is over: a launch after it would never be cancelled. */
  open: () => boolean;
}

/**
 * One speculation per parent (top-k requests, then one sample request for its S' states), so that
 * the parents step t does not choose are cancelled without touching the chosen one's. At most
 * S·S' states two ahead per step, S·S'·k·N rollouts: all counted by the run's meter and budget.
 */
export async function speculateBelow(ctx: RunContext, plan: BelowPlan): Promise<void> {
  await Promise.all(
    plan.parents.map(async ({ z, batch }) => {
      if (batch.below.has(z)) return;
      const share = batch.take(z);
      if (!share) return;
      // A parent whose top-k failed (or was cancelled) has no known next states: nothing to draw under it.
      const [top, baseTop] = await Promise.all([share.top.catch(() => undefined), share.baseTop.catch(() => undefined)]);
      if (!top || !plan.open() || ctx.signal?.aborted) return;
      const states = likeliestNext(top, plan.wantBaseTop || plan.proposerModel === ctx.env.base ? baseTop : undefined, ctx.params.topK, plan.eosId, plan.width);
      if (!states.length) return;
      const child = speculate(ctx, {
        stateIds: [...plan.stateIds, z],
        nextStep: plan.step + 2,
        launchedAt: plan.step,
        states,
        proposerModel: plan.proposerModel,
        rolloutModel: plan.rolloutModel,
        wantBaseTop: plan.wantBaseTop,
        horizon: plan.horizon,
        eosId: plan.eosId,
        seedPurpose: `rollouts/speculated2/${z}`,
        ...(plan.rollouts !== undefined ? { rollouts: plan.rollouts } : {}),
        ...(plan.topLogprobsPositions ? { topLogprobsPositions: plan.topLogprobsPositions } : {}),
      });
      batch.below.set(z, child);
      plan.live.add(child);
    }),
  );
}
