// Partial answers ("particles") grown a segment at a time: what early-pruned Best-of-N and SMC share.
import type { DecodeState, RunContext, StepOutcome } from '../context';
import type { CandidateDiagnostics } from '../events';
import type { Completion, LanguageModel, Token } from '../model';
import { deriveSeed } from '../rng';

/** One partial answer: its tokens after the state, its text, and its log-probability under the model that sampled it. */
export interface Particle {
  tokens: Token[];
  text: string;
  /** Σ log q of the sampled tokens (and of EOS when it ended by EOS). */
  logq: number;
  /** Why it ended; null while it can still grow. */
  finish: Completion['finish'] | null;
}

export const emptyParticle = (): Particle => ({ tokens: [], text: '', logq: 0, finish: null });

function grown(p: Particle, c: Completion): Particle {
  let logq = p.logq + (c.eosLogprob ?? 0);
  for (const t of c.tokens) logq += t.logprob;
  return { tokens: [...p.tokens, ...c.tokens.map((t) => ({ id: t.id, text: t.text }))], text: p.text + c.text, logq, finish: c.finish === 'length' ? null : c.finish };
}

const prefixKey = (p: Particle) => p.tokens.map((t) => t.id).join(',');

/**
 * Grows every unfinished particle by at most `segment` tokens, sampled at temperature 1 from `model`,
 * each independently. Particles with the same tokens (copies after resampling, or equal draws) are
 * sent as one prompt with n = their count, so that no two share a seeded draw; prompts with the
 * same count go in one request (`seedPurpose` plus the count seeds it; `seedPurpose` null: the first
 * round, seeded as Best-of-N's one request, so that the N first draws are Best-of-N's own — common random
 * numbers for paired comparisons, and the very same answers when one round covers the whole answer). A particle that reaches the
 * answer's token limit ends with finish 'length'. Returns new particles in the same order.
 */
export async function growParticles(ctx: RunContext, state: DecodeState, model: LanguageModel, particles: readonly Particle[], segment: number, seedPurpose: string | null): Promise<Particle[]> {
  const room = ctx.params.maxTokens - state.tokens.length;
  const groups = new Map<string, number[]>();
  particles.forEach((p, i) => {
    if (p.finish !== null) return;
    if (p.tokens.length >= room) return;
    const k = prefixKey(p);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const byCount = new Map<number, number[][]>();
  for (const members of groups.values()) byCount.set(members.length, [...(byCount.get(members.length) ?? []), members]);
  const out = particles.map((p) => (p.finish === null && p.tokens.length >= room ? { ...p, finish: 'length' as const } : p));
  await Promise.all(
    [...byCount].map(async ([n, sets]) => {
      // Every prompt of one request is at the same length only on the first round; the request takes the shortest room.
      const maxTokens = Math.min(segment, ...sets.map((m) => room - particles[m[0]!]!.tokens.length));
      const res = await model.sample(
        {
          prompts: sets.map((m) => [...state.ids, ...particles[m[0]!]!.tokens.map((t) => t.id)]),
          n,
          temperature: 1,
          maxTokens,
          stop: ctx.params.stop,
          seed: seedPurpose === null ? deriveSeed(ctx.params.seed, 'bon', state.step, 'whole') : ctx.seedFor(state.step, `${seedPurpose}-n${n}`),
          ...(sets.length > 1 ? { sharedPrefix: state.ids.length } : {}),
        },
        { signal: ctx.signal },
      );
      sets.forEach((members, j) => {
        const cs = res[j] ?? [];
        members.forEach((i, s) => {
          const c = cs[s];
          if (!c) throw new Error(`${model.label}: ${cs.length} samples for a prompt, ${n} asked`);
          const g = grown(particles[i]!, c);
          out[i] = g.finish === null && g.tokens.length >= room ? { ...g, finish: 'length' } : g;
        });
      });
    }),
  );
  return out;
}

/** The index of the highest value, the first on ties (as Best-of-N). */
export function argmaxFirst(xs: readonly number[]): number {
  let b = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[b]!) b = i;
  return b;
}

/** Diagnostics of the final particles (the kept one chosen) and the step outcome that commits it whole. */
export function particleOutcome(model: LanguageModel, which: 'base' | 'baseline', particles: readonly Particle[], rewards: readonly number[], kept: number, selectProbs: readonly number[], note: string): StepOutcome {
  const eos: Token = { id: model.eosId ?? -1, text: '' };
  const candidates: CandidateDiagnostics[] = particles.map((p, i) => ({
    id: p.tokens[0]?.id ?? eos.id,
    text: p.text,
    logprobBase: which === 'base' ? p.logq : null,
    logprobBaseline: which === 'baseline' ? p.logq : null,
    q: rewards[i] ?? null,
    qStderr: null,
    ess: null,
    score: rewards[i] ?? p.logq,
    selectProb: selectProbs[i] ?? 0,
    chosen: i === kept,
    rollouts: [],
    flags: [`whole response: log-probability is of the full response under the ${which} model`],
  }));
  const k = particles[kept]!;
  const end = k.finish === 'eos' ? 'eos' : k.finish === 'stop' ? 'stop' : 'maxTokens';
  const [first, ...rest] = k.tokens;
  if (!first) return { chosen: eos, accepted: [], candidates, end, eosChosen: k.finish === 'eos', text: k.text, note };
  return { chosen: first, accepted: rest, candidates, end, text: k.text, note };
}
