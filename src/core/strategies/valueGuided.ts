// Transfer Q* (direct and indirect transfer) and CD: one step of Algorithm 1 in ALGORITHM.md, composed
// from small units: candidates (tqCandidates), the gate (../gate), rollouts and rewards (tqRollouts),
// values by estimator (tqValues), strength (tqStrength), allocation (tqAllocate), and the speed
// machinery (carry, speculation, block acceptance, tqSpeed). See docs/decoding-method.md.
// Request economy per step: (a) one base `score` for the candidates' log π_base, (b) one `sample` for
// all k·N rollouts (its top-logprobs at each rollout's first position are ρ_BL's top-k at [s_t, z],
// i.e. the next step's candidates), (c) one reward call; indirect adds one base `score` of the
// rollouts (implicit weights) or one baseline-reward call. (a) and (b) are in flight together.
import type { StrategyFactory, RunContext, DecodeState, StepOutcome } from '../context';
import { TqError } from '../errors';
import { steers } from '../gate';
import { select } from '../selection';
import { RewardSpread } from '../strength';
import { acceptBlock } from './blockAccept';
import { carryFrom, type Carry } from './carry';
import type { SpeculatedState, Speculation } from './speculation';
import { allocateRounds } from './tqAllocate';
import { stepAlpha } from './tqStrength';
import { gatherCandidates, planStep, sequential, type Candidate, type Kind } from './tqCandidates';
import { diagnostics, unsteered, withBaseTop } from './tqDiagnostics';
import { drawRollouts, promptsOf, rewardRollouts } from './tqRollouts';
import { launchSpeculation, maySpeculate, type Launched } from './tqSpeculate';
import { byMass } from './tqSpeed';
import { contenders, implicitValues, rolloutEstimate } from './tqValues';

type Step = { outcome: StepOutcome; carry?: Carry };

export function valueGuided(kind: Kind): StrategyFactory {
  return (ctx) => {
    let carry: Carry | undefined;
    // Speculations in flight; a step ends by cancelling the ones it did not take.
    const live = new Set<Speculation>();
    let alpha = ctx.params.alpha; // the last step's α: speculation ranks by it before this step's is known
    const spread = new RewardSpread(); // the rewards seen so far (strength "spread")
    return {
      async step(state) {
        const open = { on: true };
        let out: Step | undefined;
        try {
          out = await tqStep(ctx, state, kind, carry, { live, open: () => open.on, alpha }, spread);
          carry = out.carry;
          alpha = out.outcome.alpha || alpha;
          return out.outcome;
        } finally {
          open.on = false;
          settleSpeculations(live, out?.carry?.speculated);
        }
      },
      dispose() {
        for (const s of live) s.abort();
        live.clear();
      },
    };
  };
}

/**
 * After a step, only the batch holding the state it chose (its rollouts may still be arriving) and
 * the speculation under that state (depth 2) stay in flight; every other one missed and is cancelled.
 */
function settleSpeculations(live: Set<Speculation>, taken: SpeculatedState | undefined): void {
  const keep = new Set<Speculation | undefined>([taken?.from, taken?.below]);
  for (const s of live) {
    if (keep.has(s)) continue;
    s.abort();
    live.delete(s);
  }
}

interface Spec {
  live: Set<Speculation>;
  open: () => boolean;
  alpha: number;
}

async function tqStep(ctx: RunContext, state: DecodeState, kind: Kind, carry: Carry | undefined, spec: Spec, spread: RewardSpread): Promise<Step> {
  const p = ctx.params;
  const s = planStep(ctx, state, kind);
  const notes: string[] = [];
  // ── 1–2. Candidates C_t (the proposer's top-k) and log π_base(z | s_t) for each.
  const cs = await gatherCandidates(ctx, state, s, carry, p.gate.by !== 'none');
  // Gate: steer only where the proposer is uncertain; otherwise take its top token, with no values.
  if (!steers(p.gate, cs.proposerTop.map((t) => t.logprob))) return { outcome: unsteered(ctx, state, s, cs) };
  const scoring = cs.score();
  let cands = cs.cands;
  // Speed options need π_base's mass before deciding on rollouts, so they wait for (a).
  let skipTo: Candidate | undefined;
  if (s.estimator !== 'implicit' && (p.speed.skipMass < 1 || p.speed.coverMass < 1)) {
    await scoring;
    ({ skipTo, cands } = byMass(p.speed, cands, notes));
  }
  // ── 3–5. Q̂(s_t, z): an exact oracle, the implicit value, or rollouts (all, or the hybrid's contenders).
  const launched: Launched = {};
  const promptOf = promptsOf(state);
  if (skipTo) {
    // no values: the step takes π_base's favourite
  } else if (ctx.env.valueOracle) {
    const qs = ctx.env.valueOracle(state.ids, cands.map((c) => c.id));
    cands.forEach((c, i) => (c.estimate = { q: qs[i], stderr: 0, ess: 1 }));
    notes.push('exact values from the value oracle (no rollouts)');
    await scoring;
  } else if (s.estimator === 'implicit') {
    await implicitValues(ctx, state, cands, scoring);
  } else {
    let valued = cands;
    if (s.estimator === 'hybrid') {
      await implicitValues(ctx, state, cands, scoring);
      valued = contenders(p, cands, notes, spread);
    }
    // ── 3. Rollouts τ_i ~ ρ_BL(·|[s_t, z]) (π_base for CD), N per candidate (the first round), all in one request;
    // 3b. speculation: the next step's rollouts for the likeliest next states, beside this step's (speculation.ts);
    // 4. rewards r_i = r(x, [y<t, z, τ_i]), and r(x, [y<t, z]) for terminal candidates: one call.
    const sampling = drawRollouts(ctx, state, s, valued.filter((c) => !c.terminal), carry, promptOf, notes);
    const speculating = maySpeculate(ctx, s) ? launchSpeculation(ctx, state, s, cs, () => valued, carry, spec.alpha, spec.live, spec.open, launched) : undefined;
    const valuing = sampling.then(() => rewardRollouts(ctx, state, s, valued, true, promptOf));
    await Promise.all([scoring, valuing, speculating]);
    // ── 5. Q̂: the mean (direct), or self-normalised importance sampling (indirect).
    for (const c of valued) c.estimate = rolloutEstimate(c, s.indirect, p, s.eosId);
    spread.add(valued.flatMap((c) => c.rewards));
    if (sequential(ctx)) notes.push(await allocateRounds(ctx, state, s, valued, promptOf, spread));
  }
  const scoreRes = await scoring;

  // ── 6. Choose z_t: argmax (or sample) of log π_base(z|s_t) + α·Q̂(s_t, z).
  const alpha = skipTo ? 0 : stepAlpha(p, cands, spread, s.estimator === 'implicit' && !ctx.env.valueOracle);
  const scores = cands.map((c) => {
    if (c.logprobBase === null) {
      c.flags.push('log π_base unavailable from the base model: excluded from selection');
      return -Infinity;
    }
    if (skipTo) return c.logprobBase;
    return c.estimate ? c.logprobBase + alpha * c.estimate.q : -Infinity;
  });
  const sel = select(scores, skipTo ? 'greedy' : p.selection, p.selectionTemperature, ctx.rngFor(state.step, 'select'));
  if (!Number.isFinite(scores[sel.index])) throw new TqError('capability', `${ctx.env.base.label} gave no log-probability for any candidate.`);
  const chosen = skipTo ?? cands[sel.index];
  const accepted = skipTo ? [] : acceptBlock(p, cands, scores, chosen, s.remaining);
  if (accepted.length) notes.push(`block accepted: ${accepted.length} more tokens of the best rollout (lead ≥ speed.blockMargin)`);

  const outcome: StepOutcome = {
    chosen: { id: chosen.id, text: chosen.text },
    accepted,
    candidates: cands.map((c, i) => diagnostics(c, scores[i], sel.probs[i], c === chosen, s.indirect && !ctx.env.valueOracle)),
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(chosen.id === s.eosId ? { end: 'eos' as const, eosChosen: true } : {}),
    ...withBaseTop(cs, cands),
    alpha,
    ...(skipTo ? { steered: false } : p.gate.by !== 'none' ? { steered: true } : {}),
  };
  // A hit: z_t is a state this step speculated on, or one the last step speculated on two ahead (depth 2). Misses are cancelled after the step.
  const below = carry?.speculated?.below;
  const from = !accepted.length && chosen.id !== s.eosId ? [below, launched.spec].find((b) => b?.states.includes(chosen.id)) : undefined;
  const taken = from?.take(chosen.id);
  if (!s.reuse || chosen.id === s.eosId) return { outcome };

  // What this step leaves for s_{t+1}: the rollout model's top-k there, π_base's, and reusable rollouts.
  const next = carryFrom(chosen.rollouts, accepted.map((t) => t.id), s.rolloutIsBase);
  if (taken) next.speculated = taken;
  if (s.needNextBaseTop && !accepted.length) {
    const i = cs.scored().indexOf(chosen);
    if (i >= 0 && scoreRes[i]?.next) next.baseTop = scoreRes[i].next;
  }
  return { outcome, carry: next };
}
