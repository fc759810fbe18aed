// What a TQ* step reports: the candidates' diagnostics, π_base's favourite, and the outcome of a step the gate left alone.
import type { DecodeState, RunContext, StepOutcome } from '../context';
import type { CandidateDiagnostics } from '../events';
import { select } from '../selection';
import { baseFavourite, type Candidate, type CandidateSet, type StepPlan } from './tqCandidates';

/** A step the gate left alone: the proposer's top token (sampling: a draw from its top-k), no values, no further requests. */
export function unsteered(ctx: RunContext, state: DecodeState, s: StepPlan, cs: CandidateSet): StepOutcome {
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

export function withBaseTop(cs: CandidateSet, cands: readonly Candidate[]): Pick<StepOutcome, 'baseTop'> {
  const baseTop = baseFavourite(cs.baseTop(), cands);
  return baseTop ? { baseTop } : {};
}

export function diagnostics(c: Candidate, score: number, selectProb: number, chosen: boolean, indirect: boolean): CandidateDiagnostics {
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
