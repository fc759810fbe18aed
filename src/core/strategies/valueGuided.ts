// Transfer Q* (direct and indirect transfer) and CD: one step of Algorithm 1 in ALGORITHM.md, composed
// from small units: candidates (tqCandidates), rollouts and rewards (tqRollouts), values (tqValues),
// strength and allocation (tqAllocate), and the speed machinery (carry, speculation, block acceptance).
// Request economy per step: (a) one base `score` for the candidates' log π_base, (b) one `sample` for
// all k·N rollouts (its top-logprobs at each rollout's first position are ρ_BL's top-k at [s_t, z],
// i.e. the next step's candidates), (c) one reward call; indirect adds one base `score` of the
// rollouts (implicit weights) or one baseline-reward call. (a) and (b) are in flight together.
import type { StrategyFactory, RunContext, DecodeState, StepOutcome } from '../context';
import { TqError } from '../errors';
import type { CandidateDiagnostics } from '../events';
import { steers } from '../gate';
import { logSumExp } from '../logspace';
import { select } from '../selection';
import { RewardSpread } from '../strength';
import { acceptBlock } from './blockAccept';
import { carryFrom, type Carry } from './carry';
import type { SpeculatedState, Speculation } from './speculation';
import { allocateRounds, stepAlpha } from './tqAllocate';
import { baseFavourite, gatherCandidates, planStep, sequential, type Candidate, type CandidateSet, type Kind, type StepPlan } from './tqCandidates';
import { drawRollouts, promptsOf, rewardRollouts } from './tqRollouts';
import { launchSpeculation, maySpeculate, type Launched } from './tqSpeculate';
import { implicitEstimate, rolloutEstimate } from './tqValues';

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
  let launched: Launched = {};
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
    ...(p.gate.by !== 'none' ? { steered: true } : {}),
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

/** skipMass: one candidate holds enough π_base mass to skip rollouts; coverMass: k shrunk to the candidates covering that much. */
function byMass(speed: { skipMass: number; coverMass: number }, cands: Candidate[], notes: string[]): { skipTo?: Candidate; cands: Candidate[] } {
  const lps = cands.map((c) => c.logprobBase ?? -Infinity);
  const lse = logSumExp(lps);
  const mass = lps.map((lp) => Math.exp(lp - lse));
  const order = cands.map((_, i) => i).sort((a, b) => mass[b] - mass[a]);
  if (mass[order[0]] >= speed.skipMass) {
    notes.push(`rollouts skipped: "${cands[order[0]].text}" holds ${(mass[order[0]] * 100).toFixed(1)}% of π_base mass over the candidates (speed.skipMass)`);
    return { skipTo: cands[order[0]], cands };
  }
  if (speed.coverMass >= 1) return { cands };
  let cum = 0;
  const keep = new Set<number>();
  for (const i of order) {
    keep.add(i);
    cum += mass[i];
    if (cum >= speed.coverMass) break;
  }
  if (keep.size === cands.length) return { cands };
  notes.push(`k shrunk from ${cands.length} to ${keep.size}: they cover ${(cum * 100).toFixed(1)}% of π_base mass (speed.coverMass)`);
  return { cands: cands.filter((_, i) => keep.has(i)) };
}

/** The implicit value of every candidate; log ρ_BL of candidates outside the baseline's top-k (union, base proposer) is scored on the baseline. */
async function implicitValues(ctx: RunContext, state: DecodeState, cands: Candidate[], scoring: Promise<unknown>): Promise<void> {
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
function contenders(p: RunContext['params'], cands: Candidate[], notes: string[], spread: RewardSpread): Candidate[] {
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

/** A step the gate left alone: the proposer's top token (sampling: a draw from its top-k), no values, no further requests. */
function unsteered(ctx: RunContext, state: DecodeState, s: StepPlan, cs: CandidateSet): StepOutcome {
  const p = ctx.params;
  const lps = new Map(cs.proposerTop.map((t) => [t.id, t.logprob]));
  const scores = cs.cands.map((c) => lps.get(c.id) ?? -Infinity);
  const sel = select(scores, p.selection, 1, ctx.rngFor(state.step, 'select'));
  const chosen = cs.cands[sel.index];
  for (const c of cs.cands) if (c.logprobBase === null) c.flags.push('log π_base not asked: the gate left this step unsteered');
  return {
    chosen: { id: chosen.id, text: chosen.text },
    accepted: [],
    candidates: cs.cands.map((c, i) => diagnostics(c, scores[i], sel.probs[i], c === chosen, false)),
    note: `not steered: the proposer is confident here (gate.by ${p.gate.by})`,
    ...(chosen.id === s.eosId ? { end: 'eos' as const, eosChosen: true } : {}),
    ...withBaseTop(cs, cs.cands),
    alpha: 0,
    steered: false,
  };
}

function withBaseTop(cs: CandidateSet, cands: readonly Candidate[]): Pick<StepOutcome, 'baseTop'> {
  const baseTop = baseFavourite(cs.baseTop(), cands);
  return baseTop ? { baseTop } : {};
}

function diagnostics(c: Candidate, score: number, selectProb: number, chosen: boolean, indirect: boolean): CandidateDiagnostics {
  return {
    id: c.id,
    text: c.text,
    logprobBase: c.logprobBase,
    logprobBaseline: c.logprobBaseline,
    q: c.estimate?.q ?? null,
    qStderr: c.estimate?.stderr ?? null,
    ess: indirect && c.estimate && !c.terminal ? c.estimate.ess : null,
    score,
    selectProb,
    chosen,
    rollouts: c.rollouts.map((r, j) => ({ text: r.text, reward: c.rewards[j], ...(c.estimate?.weights ? { weight: c.estimate.weights[j] } : {}) })),
    ...(c.flags.length ? { flags: c.flags } : {}),
  };
}
