// Speculation across steps: while step t runs, the next step's rollouts for the likeliest next states are already drawn.
import type { RunContext } from '../context';
import type { LanguageModel, TokenId, TokenLogprob } from '../model';
import { fromCompletion, topCandidates, type Rollout } from './rollouts';

/**
 * What a speculated state s_{t+1} = [s_t, z] hands to step t+1 when z is chosen: fresh rollouts
 * for each next candidate z' and π_base's top-k at s_{t+1} (for baseTopLookup).
 *
 * Why Q̂ stays what it was: the rollouts of [s_{t+1}, z'] are N fresh draws from the rollout
 * model at exactly that state, drawn before and independently of step t's rewards and choice
 * (step t never reads them). Given that s_{t+1} was reached, they are distributed as the draws
 * step t+1 would have made itself, so Q̂(s_{t+1}, z') is the same Monte-Carlo mean (or
 * self-normalised estimate) of the same distribution, only with other random numbers. Unlike
 * reused rollouts they carry no winner's curse and look the full horizon ahead; a hit therefore
 * does not mix in the chosen candidate's reused rollouts.
 */
export interface SpeculatedState {
  /** The proposer's top-k at s_{t+1} (the next candidates). */
  top: Promise<TokenLogprob[] | undefined>;
  rollouts: Promise<Map<TokenId, Rollout[]>>;
  baseTop: Promise<TokenLogprob[] | undefined>;
  /** The step that launched it (t, or t − 1 when it was speculated two steps ahead). */
  launchedAt: number;
  /** The batch it belongs to: kept alive until the step that takes it is done. */
  from: Speculation;
  /** speed.speculateDepth 2: the speculation on its own likeliest next states, already in flight. */
  below?: Speculation;
}

export interface Speculation {
  /** The speculated z, likeliest first. */
  readonly states: readonly TokenId[];
  /** Step t+1's share when z is chosen and nothing else was committed with it. */
  take(z: TokenId): SpeculatedState | undefined;
  /** A miss (or the end of the run): the requests still in flight are cancelled. */
  abort(): void;
  /** The step that launched it. */
  readonly launchedAt: number;
  /** Depth 2: the speculations on the next states of each of its states, by state (see speculateBelow). */
  readonly below: Map<TokenId, Speculation>;
}

export interface SpeculationPlan {
  stateIds: readonly TokenId[];
  /** Index of the step that will use the rollouts (t + 1). */
  nextStep: number;
  /** The states to speculate on, likeliest first. */
  states: TokenId[];
  /** The model whose top-k at s_{t+1} proposes the next candidates (the rollout model: baseline, or base for CD). */
  proposerModel: LanguageModel;
  rolloutModel: LanguageModel;
  /** π_base's top-k at s_{t+1} too (when it is not the proposer already). */
  wantBaseTop: boolean;
  horizon: number;
  eosId: TokenId | null;
  /** Ask the rollouts' top-k at their first positions (the step after next proposes from them). */
  topLogprobsPositions?: number;
  /** The step launching it (default nextStep − 1). */
  launchedAt?: number;
  /** Seed purpose of its rollouts: each batch for a step draws its own random numbers. */
  seedPurpose?: string;
  /** Rollouts per next candidate (default decoding.rollouts; the first round under sequential allocation). */
  rollouts?: number;
}

/**
 * Three requests for all speculated states together: the proposer's top-k at each [s_t, z] (and
 * π_base's beside it), then one sample request with N rollouts for every next candidate z' of
 * every speculated z (decoding is flat in batch size, so S·k·N sequences cost about what k·N do).
 */
export function speculate(ctx: RunContext, plan: SpeculationPlan): Speculation {
  const { params: p } = ctx;
  const k = p.topK;
  const N = plan.rollouts ?? p.rollouts;
  const ctl = new AbortController();
  const onRunAbort = () => ctl.abort();
  ctx.signal?.addEventListener('abort', onRunAbort, { once: true });
  const opts = { signal: ctl.signal };
  const nextStates = plan.states.map((z) => [...plan.stateIds, z]);
  const tops = plan.proposerModel.nextTokens(nextStates, k, opts);
  const baseTops: Promise<TokenLogprob[][] | undefined> = plan.wantBaseTop ? ctx.env.base.nextTokens(nextStates, k, opts) : tops;
  const rollouts = tops.then(async (perState) => {
    const prompts: TokenId[][] = [];
    const owner: Array<[number, TokenId]> = [];
    perState.forEach((top, i) => {
      // The same candidate set the next step builds from the proposer's top-k.
      for (const t of topCandidates(top, k)) {
        if (t.id === plan.eosId) continue;
        prompts.push([...nextStates[i], t.id]);
        owner.push([i, t.id]);
      }
    });
    const out = plan.states.map(() => new Map<TokenId, Rollout[]>());
    if (!prompts.length) return out;
    const res = await plan.rolloutModel.sample(
      {
        prompts,
        n: N,
        temperature: p.rolloutTemperature,
        maxTokens: plan.horizon,
        stop: p.stop,
        sharedPrefix: plan.stateIds.length + 1,
        seed: ctx.seedFor(plan.nextStep, plan.seedPurpose ?? 'rollouts/speculated'),
        ...(plan.topLogprobsPositions ? { topLogprobs: k, topLogprobsPositions: plan.topLogprobsPositions } : {}),
      },
      opts,
    );
    res.forEach((perPrompt, j) => {
      const [i, z2] = owner[j];
      out[i].set(z2, perPrompt.map(fromCompletion));
    });
    return out;
  });
  // A speculation nobody takes must not surface as an unhandled rejection.
  const settled = Promise.allSettled([tops, baseTops, rollouts]).then(() => ctx.signal?.removeEventListener('abort', onRunAbort));
  void settled;
  const self: Speculation = {
    states: plan.states,
    launchedAt: plan.launchedAt ?? plan.nextStep - 1,
    below: new Map(),
    take(z) {
      const i = plan.states.indexOf(z);
      if (i < 0) return undefined;
      const below = self.below.get(z);
      const share: SpeculatedState = { top: tops.then((t) => t[i]), rollouts: rollouts.then((m) => m[i]), baseTop: baseTops.then((b) => b?.[i]), launchedAt: self.launchedAt, from: self, ...(below ? { below } : {}) };
      // Handled here; awaiting them still sees a failure.
      share.top.catch(() => undefined);
      share.rollouts.catch(() => undefined);
      share.baseTop.catch(() => undefined);
      return share;
    },
    abort() {
      ctl.abort();
      ctx.signal?.removeEventListener('abort', onRunAbort);
    },
  };
  return self;
}
