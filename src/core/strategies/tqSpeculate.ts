// Speculation launched by a TQ* step (speed.speculate): as soon as log π_base is known, the next step's rollouts for the likeliest next states start.
import type { DecodeState, RunContext } from '../context';
import type { Carry } from './carry';
import { speculate, type Speculation } from './speculation';
import { speculateBelow } from './speculateBelow';
import type { Candidate, CandidateSet, StepPlan } from './tqCandidates';
import { TOP_POSITIONS, wantTops } from './tqRollouts';

export interface Launched {
  /** This step's speculation on its own next states (depth 1), when one started. */
  spec?: Speculation;
}

/**
 * Ranks the candidates by log π_base + α·(Q̂ of the rewards already known, else 0) as soon as π_base's
 * top-k or the scoring call is in, and speculates on the best `speed.speculate` (depth 2: also under
 * them). Only log-probabilities and reused rewards decide: see speculation.ts for why Q̂ stays what it was.
 */
export function launchSpeculation(ctx: RunContext, state: DecodeState, s: StepPlan, cs: CandidateSet, cands: () => Candidate[], carry: Carry | undefined, alpha: number, live: Set<Speculation>, open: () => boolean, out: Launched): Promise<void> {
  const { env, params: p } = ctx;
  const horizonNext = Math.min(p.horizon, s.remaining - 1);
  // Depth 2: the speculation under s_t's likeliest next states that the last step already started.
  const below = carry?.speculated?.below;
  const positions = wantTops(ctx, s) ? { topLogprobsPositions: TOP_POSITIONS(p.speed.blockAccept) } : {};
  return Promise.race([cs.lookup, cs.score().then(() => -Infinity)]).then((bound) => {
    const ranked = cands()
      .filter((c) => c.id !== s.eosId && (c.logprobBase !== null || bound > -Infinity))
      .map((c) => ({ c, s: (c.logprobBase ?? bound) + alpha * partialQ(c) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, p.speed.speculate);
    if (!ranked.length) return;
    const proposerModel = s.proposer === 'base' ? env.base : env.baseline;
    // With cheap token scoring the next step scores its candidates directly and needs no base top-k; the layer two
    // ahead still ranks its states by log π_base from it.
    const wantBaseTop = p.speed.baseTopLookup && proposerModel !== env.base && !s.needNextBaseTop && (p.speed.speculateDepth >= 2 || !env.base.cheapTokenScoring);
    const zs = ranked.map((x) => x.c.id);
    // States the last step already speculated on two ahead are in flight: only the others start now.
    const missing = below ? zs.filter((z) => !below.states.includes(z)) : zs;
    if (missing.length) {
      out.spec = speculate(ctx, { stateIds: state.ids, nextStep: state.step + 1, states: missing, proposerModel, rolloutModel: s.rolloutModel, wantBaseTop, horizon: horizonNext, eosId: s.eosId, rollouts: s.n, ...positions });
      live.add(out.spec);
    }
    if (p.speed.speculateDepth < 2 || horizonNext - 1 <= 0) return;
    return speculateBelow(ctx, {
      stateIds: state.ids,
      step: state.step,
      parents: zs.map((z) => ({ z, batch: below?.states.includes(z) ? below : out.spec! })),
      width: p.speed.speculate,
      proposerModel,
      rolloutModel: s.rolloutModel,
      wantBaseTop,
      horizon: Math.min(p.horizon, s.remaining - 2),
      eosId: s.eosId,
      rollouts: s.n,
      ...positions,
      live,
      open,
    });
  });
}

/** Whether this step may speculate: reuse on, a single proposer, rollouts to draw and room for a next step's. */
export function maySpeculate(ctx: RunContext, s: StepPlan): boolean {
  return ctx.params.speed.speculate > 0 && s.reuse && s.proposer !== 'union' && Math.min(ctx.params.horizon, s.remaining - 1) > 0;
}

/** Q̂ so far from the rollouts whose rewards are already known (reused ones), else 0: a ranking for speculation only. */
function partialQ(c: Candidate): number {
  let sum = 0;
  let n = 0;
  for (const r of c.rollouts) if (r.reward !== undefined) (sum += r.reward), n++;
  return n ? sum / n : 0;
}
