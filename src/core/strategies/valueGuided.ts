// Transfer Q* (direct and indirect transfer) and CD: one step of Algorithm 1 in ALGORITHM.md, equation by equation.
// Request economy per step: (a) one base `score` for the candidates' log π_base, (b) one `sample`
// for all k·N rollouts (its top-logprobs at each rollout's first position are ρ_BL's top-k at
// [s_t, z], i.e. the next step's candidates), (c) one reward call; indirect adds one base `score`
// of the rollouts (implicit weights) or one baseline-reward call. (a) and (b) are in flight together.
import type { StrategyFactory, RunContext, DecodeState, StepOutcome } from '../context';
import { TqError } from '../errors';
import type { CandidateDiagnostics, RolloutDiagnostics } from '../events';
import { meanEstimate, selfNormalisedEstimate, type QEstimate } from '../estimators';
import { logSumExp } from '../logspace';
import type { LanguageModel, Token, TokenId, TokenLogprob } from '../model';
import { select } from '../selection';
import { topEntryFlags } from './flags';
import { carryFrom, fromCompletion, topCandidates, type Carry, type Rollout } from './rollouts';
import { extendReused } from './extendReused';
import { speculate, type SpeculatedState, type Speculation } from './speculation';
import { speculateBelow } from './speculateBelow';

type Kind = 'tqstar' | 'cd';

interface Candidate extends Token {
  logprobBase: number | null;
  logprobBaseline: number | null;
  /** No rollouts: EOS (Q = r(x, y<t)) or no room left (Q = r(x, [y<t, z])). */
  terminal: boolean;
  rollouts: Rollout[];
  rewards: number[];
  estimate?: QEstimate;
  flags: string[];
}

/** C_t from the proposer's top-k (ALGORITHM step 1); union keeps the baseline's order, then the base's extra tokens. */
function proposerSet(proposer: 'baseline' | 'base' | 'union', k: number, baselineTop?: TokenLogprob[], baseTop?: TokenLogprob[]): TokenLogprob[] {
  const bl = topCandidates(baselineTop ?? [], k);
  const b = topCandidates(baseTop ?? [], k);
  if (proposer === 'baseline') return bl;
  if (proposer === 'base') return b;
  const seen = new Set(bl.map((t) => t.id));
  return [...bl, ...b.filter((t) => !seen.has(t.id))];
}

export function valueGuided(kind: Kind): StrategyFactory {
  return (ctx) => {
    let carry: Carry | undefined;
    // Speculations in flight; a step ends by cancelling the ones it did not take.
    const live = new Set<Speculation>();
    return {
      async step(state) {
        const out = await tqStep(ctx, state, kind, carry, live);
        carry = out.carry;
        return out.outcome;
      },
      dispose() {
        for (const s of live) s.abort();
        live.clear();
      },
    };
  };
}

async function tqStep(ctx: RunContext, state: DecodeState, kind: Kind, carry: Carry | undefined, live: Set<Speculation>): Promise<{ outcome: StepOutcome; carry?: Carry }> {
  const step = { open: true };
  let out: { outcome: StepOutcome; carry?: Carry } | undefined;
  try {
    out = await tqStepInner(ctx, state, kind, carry, live, () => step.open);
    return out;
  } finally {
    step.open = false;
    settleSpeculations(live, out?.carry?.speculated);
  }
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

async function tqStepInner(ctx: RunContext, state: DecodeState, kind: Kind, carry: Carry | undefined, live: Set<Speculation>, open: () => boolean): Promise<{ outcome: StepOutcome; carry?: Carry }> {
  const { env, params: p, signal } = ctx;
  const k = p.topK;
  const N = p.rollouts;
  // CD values candidates by π_base's own continuations, so it proposes from π_base too (Mudgal et al.).
  const rolloutModel: LanguageModel = kind === 'cd' ? env.base : env.baseline;
  const rolloutIsBase = kind === 'cd';
  const proposer = kind === 'cd' ? 'base' : p.proposer;
  const indirect = kind === 'tqstar' && p.transfer === 'indirect';
  const eosId = env.base.eosId ?? rolloutModel.eosId;
  const reuse = p.speed.reuseRollouts;
  const opts = { signal };
  const notes: string[] = [];

  // ── 1. Candidates C_t: the proposer's top-k at s_t (carried from the last step's rollouts when possible).
  const wantBaseline = proposer !== 'base';
  const wantBase = proposer !== 'baseline';
  let baselineTop = !rolloutIsBase ? carry?.rolloutTop : undefined;
  let baseTop = carry?.baseTop ?? (rolloutIsBase ? carry?.rolloutTop : undefined);
  const needNextBaseTop = wantBase && !rolloutIsBase && reuse;
  // The previous step speculated on this state: its rollouts (and π_base's top-k here) are drawn or on their way.
  const hit = carry?.speculated;
  if (hit) {
    // Speculating rollouts carry no top-k lists (see wantTops): the speculation fetched the proposer's top-k here.
    // A speculation that failed is only a lost head start: this step asks for what it needs itself.
    const top = await hit.top.catch(() => undefined);
    if (proposer === 'base') baseTop ??= top;
    else baselineTop ??= top;
  }
  // log π_base of candidates the base's own top-k at s_t covers comes from that top-k (one prompt,
  // O(k) bytes back) instead of echoing the whole prefix once per candidate (O(k·L)); only the
  // rest is scored. At the first step it travels beside the proposer's top-k request.
  const state0 = !baselineTop && wantBaseline;
  // A base that scores one-token continuations of one prompt cheaply (LanguageModel.cheapTokenScoring)
  // scores every candidate in that one request once they are known at the step's start: the lookup
  // would only add a request before it. Proposing from the base needs its natural top-k anyway.
  const cheapScoring = p.speed.baseTopLookup && !wantBase && !state0 && env.base.cheapTokenScoring === true;
  const lookupBaseTop = !baseTop && !needNextBaseTop && p.speed.baseTopLookup && !cheapScoring;
  const [fetchedBl, fetchedBase] = await Promise.all([
    wantBaseline && !baselineTop ? env.baseline.nextTokens([state.ids], k, opts) : undefined,
    (wantBase || (lookupBaseTop && state0)) && !baseTop ? env.base.nextTokens([state.ids], k, opts) : undefined,
  ]);
  baselineTop ??= fetchedBl?.[0];
  baseTop ??= fetchedBase?.[0];
  const known = new Map<TokenId, number>(carry?.baseLogprob ?? []);
  for (const t of baseTop ?? []) known.set(t.id, t.logprob);
  const blLogprob = new Map<TokenId, number>((baselineTop ?? []).map((t) => [t.id, t.logprob]));
  const remaining = p.maxTokens - state.tokens.length - 1; // tokens a rollout may still add after z
  const horizon = Math.min(p.horizon, remaining);
  let cands: Candidate[] = proposerSet(proposer, k, baselineTop, baseTop).map((t) => ({
    id: t.id,
    text: t.text,
    logprobBase: known.get(t.id) ?? null,
    logprobBaseline: blLogprob.get(t.id) ?? null,
    terminal: t.id === eosId || horizon <= 0,
    rollouts: [],
    rewards: [],
    flags: topEntryFlags(t),
  }));
  if (!cands.length) throw new TqError('protocol', `${proposer === 'base' ? env.base.label : env.baseline.label} returned no candidate tokens with a finite log-probability.`);

  // ── 2. log π_base(z | s_t) exactly, for every candidate: from the base's top-k at s_t where it
  // covers z, else one scoring call (which also asks the base's next top-k when proposing from it).
  // EOS needs no next top-k: leave it out when its log-probability is already known.
  let toScore: Candidate[] = [];
  // Speculation ranks as soon as the base's top-k is in: a candidate outside it has log π_base below
  // the top-k's last entry, which bounds it from above until the scoring call says exactly.
  let lookedUp: ((bound: number) => void) | undefined;
  const lookup = new Promise<number>((resolve) => (lookedUp = resolve));
  const scoring = (async () => {
    if (!baseTop && cands.some((c) => c.logprobBase === null) && lookupBaseTop) {
      const top = (await hit?.baseTop.catch(() => undefined)) ?? (await env.base.nextTokens([state.ids], k, opts))[0];
      for (const t of top ?? []) if (Number.isFinite(t.logprob)) known.set(t.id, t.logprob);
      for (const c of cands) c.logprobBase ??= known.get(c.id) ?? null;
      lookedUp!(top?.length ? Math.min(...top.map((t) => t.logprob)) : -Infinity);
    }
    toScore = cands.filter((c) => c.logprobBase === null || (needNextBaseTop && c.id !== eosId));
    if (!toScore.length) return [];
    return env.base.score({ items: toScore.map((c) => ({ prompt: state.ids, continuation: [c.id] })), sharedPrefix: state.ids.length, ...(needNextBaseTop ? { nextTopK: k } : {}) }, opts);
  })();
  const applyScores = (res: Awaited<typeof scoring>) => {
    toScore.forEach((c, i) => {
      const lp = res[i]?.logprobs[0];
      if (typeof lp === 'number' && !Number.isNaN(lp)) c.logprobBase = lp;
    });
    return res;
  };

  // Speed options need π_base's mass before deciding on rollouts, so they wait for (a).
  let skipTo: Candidate | undefined;
  let scored: Awaited<typeof scoring> | undefined;
  if (p.speed.skipMass < 1 || p.speed.coverMass < 1) {
    scored = applyScores(await scoring);
    const lps = cands.map((c) => c.logprobBase ?? -Infinity);
    const lse = logSumExp(lps);
    const mass = lps.map((lp) => Math.exp(lp - lse));
    const order = cands.map((_, i) => i).sort((a, b) => mass[b] - mass[a]);
    if (mass[order[0]] >= p.speed.skipMass) {
      skipTo = cands[order[0]];
      notes.push(`rollouts skipped: "${skipTo.text}" holds ${(mass[order[0]] * 100).toFixed(1)}% of π_base mass over the candidates (speed.skipMass)`);
    } else if (p.speed.coverMass < 1) {
      let cum = 0;
      const keep = new Set<number>();
      for (const i of order) {
        keep.add(i);
        cum += mass[i];
        if (cum >= p.speed.coverMass) break;
      }
      if (keep.size < cands.length) {
        notes.push(`k shrunk from ${cands.length} to ${keep.size}: they cover ${(cum * 100).toFixed(1)}% of π_base mass (speed.coverMass)`);
        cands = cands.filter((_, i) => keep.has(i));
      }
    }
  }

  // An exact value oracle replaces steps 3–5 (no rollouts, no rewards).
  if (env.valueOracle && !skipTo) {
    const qs = env.valueOracle(state.ids, cands.map((c) => c.id));
    cands.forEach((c, i) => (c.estimate = { q: qs[i], stderr: 0, ess: 1 }));
    notes.push('exact values from the value oracle (no rollouts)');
  }
  const oracle = !!env.valueOracle;

  // ── 3. Rollouts τ_i ~ ρ_BL(·|[s_t, z]) (π_base for CD), N per candidate, all in one request.
  const rollable = skipTo || oracle ? [] : cands.filter((c) => !c.terminal);
  const fresh: number[] = rollable.map((c) => {
    const reused = reuse && !hit ? (carry?.reusable.get(c.id) ?? []).slice(0, N) : [];
    c.rollouts = reused;
    return N - reused.length;
  });
  // [s_t, z] once per candidate: the rollouts of z and their scoring (indirect) share the array.
  const prompts = new Map<Candidate, TokenId[]>();
  const promptOf = (c: Candidate) => {
    let a = prompts.get(c);
    if (!a) prompts.set(c, (a = [...state.ids, c.id]));
    return a;
  };
  // With speculation the next candidates come from its own top-k request (one prompt per speculated
  // state), so rollouts skip top-k lists: vLLM sends them at every position, ≈ 5× the bytes of a
  // rollout. A miss then asks the proposer's top-k at the next step's start (one short request).
  const wantTops = reuse && (rolloutIsBase ? wantBase : wantBaseline) && p.speed.speculate === 0;
  const sampling = (async () => {
    if (hit) {
      // Speculated rollouts first; any candidate they lack (another top-k, a shrunk k) is topped up below.
      const got = await hit.rollouts.catch(() => undefined);
      if (got) notes.push(state.step - hit.launchedAt >= 2 ? 'rollouts drawn ahead by speculation two steps before (speed.speculateDepth)' : 'rollouts drawn ahead by speculation (speed.speculate)');
      else notes.push('speculation failed: rollouts drawn now (speed.speculate)');
      rollable.forEach((c, i) => {
        c.rollouts = (got?.get(c.id) ?? []).slice(0, N);
        fresh[i] = N - c.rollouts.length;
      });
    }
    // Reused rollouts one token short (cut at the horizon) get their missing tokens beside the fresh ones.
    const extending = p.speed.extendReused && reuse && !hit ? extendReused(ctx, rolloutModel, rollable, promptOf, horizon, state.step, opts) : Promise.resolve(0);
    const uniform = fresh.every((f) => f === N);
    const prompts: TokenId[][] = [];
    const owner: Candidate[] = [];
    rollable.forEach((c, i) => {
      const prompt = promptOf(c); // one array per candidate, shared by its repeats
      for (let j = 0; j < (uniform ? 1 : fresh[i]); j++) {
        prompts.push(prompt);
        owner.push(c);
      }
    });
    if (!prompts.length) {
      if ((await extending) > 0) notes.push('reused rollouts extended to the full horizon (speed.extendReused)');
      return;
    }
    const resP = rolloutModel.sample(
      {
        prompts,
        n: uniform ? N : 1,
        temperature: p.rolloutTemperature,
        maxTokens: horizon,
        stop: p.stop,
        sharedPrefix: state.ids.length,
        seed: ctx.seedFor(state.step, 'rollouts'),
        ...(wantTops ? { topLogprobs: k, topLogprobsPositions: TOP_POSITIONS(p.speed.blockAccept) } : {}),
      },
      opts,
    );
    const [res, nExtended] = await Promise.all([resP, extending]);
    if (nExtended > 0) notes.push('reused rollouts extended to the full horizon (speed.extendReused)');
    res.forEach((perPrompt, i) => {
      for (const c of perPrompt) owner[i].rollouts.push(fromCompletion(c));
    });
  })();
  // ── 3b. Speculation (speed.speculate): as soon as log π_base is known, the next step's rollouts for
  // the likeliest next states start, beside this step's rollouts and rewards (see speculation.ts).
  const scoringApplied = scored ? Promise.resolve(scored) : scoring.then(applyScores);
  const horizonNext = Math.min(p.horizon, remaining - 1);
  // Depth 2: the speculation under s_t's likeliest next states that the last step already started.
  const below = hit?.below;
  let spec: Speculation | undefined;
  const speculating =
    p.speed.speculate > 0 && reuse && proposer !== 'union' && !oracle && !skipTo && horizonNext > 0
      ? Promise.race([lookup, scoringApplied.then(() => -Infinity)]).then((bound) => {
          const ranked = cands
            .filter((c) => c.id !== eosId && (c.logprobBase !== null || bound > -Infinity))
            .map((c) => ({ c, s: (c.logprobBase ?? bound) + p.alpha * partialQ(c) }))
            .sort((a, b) => b.s - a.s)
            .slice(0, p.speed.speculate);
          if (!ranked.length) return;
          const proposerModel = proposer === 'base' ? env.base : env.baseline;
          // With cheap token scoring the next step scores its candidates directly and needs no base top-k; the layer two
          // ahead still ranks its states by log π_base from it.
          const wantBaseTop = p.speed.baseTopLookup && proposerModel !== env.base && !needNextBaseTop && (p.speed.speculateDepth >= 2 || !env.base.cheapTokenScoring);
          const zs = ranked.map((x) => x.c.id);
          // States the last step already speculated on two ahead are in flight: only the others start now.
          const missing = below ? zs.filter((z) => !below.states.includes(z)) : zs;
          if (missing.length) {
            spec = speculate(ctx, {
              stateIds: state.ids,
              nextStep: state.step + 1,
              states: missing,
              proposerModel,
              rolloutModel,
              wantBaseTop,
              horizon: horizonNext,
              eosId,
              ...(wantTops ? { topLogprobsPositions: TOP_POSITIONS(p.speed.blockAccept) } : {}),
            });
            live.add(spec);
          }
          if (p.speed.speculateDepth < 2 || horizonNext - 1 <= 0) return;
          return speculateBelow(ctx, {
            stateIds: state.ids,
            step: state.step,
            parents: zs.map((z) => ({ z, batch: below?.states.includes(z) ? below : spec! })),
            width: p.speed.speculate,
            proposerModel,
            rolloutModel,
            wantBaseTop,
            horizon: Math.min(p.horizon, remaining - 2),
            eosId,
            ...(wantTops ? { topLogprobsPositions: TOP_POSITIONS(p.speed.blockAccept) } : {}),
            live,
            open,
          });
        })
      : undefined;

  // ── 4. Rewards r_i = r(x, [y<t, z, τ_i]) for all rollouts, and r(x, [y<t, z]) for terminal candidates: one call.
  // It starts as soon as the rollouts are in (the candidates' scoring (a) may still be in flight);
  // indirect transfer's weight ingredients are fetched in parallel with it.
  // Reward inputs as suffixes after y<t (the decode loop prepends it once per text it sends).
  const suffixOf = (c: Candidate, r?: Rollout) => (c.id === eosId ? '' : c.text + (r?.text ?? ''));
  const valued = skipTo || oracle ? [] : cands;
  const valuing = sampling.then(async () => {
    const terminalTexts = valued.filter((c) => c.terminal).map((c) => suffixOf(c));
    const unscored = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => r.reward === undefined).map((r) => ({ c, r }))));
    const rewarding = ctx.rewardsMixed(terminalTexts, unscored.map(({ c, r }) => suffixOf(c, r))).then((res) => {
      unscored.forEach(({ r }, i) => (r.reward = res.fresh[i]));
      return res.cached;
    });
    let blRewards: Promise<number[]> | undefined;
    let baseScoring: Promise<void> | undefined;
    if (indirect && p.indirectWeights === 'baseline-reward') {
      if (!env.baselineReward) {
        throw new TqError('config', 'Indirect transfer with indirectWeights "baseline-reward" needs a baseline reward source (baselineReward).', { setting: 'tqstar.baselineReward' });
      }
      const rolloutTexts = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.map((r) => state.text + suffixOf(c, r))));
      blRewards = rolloutTexts.length ? env.baselineReward.score(rolloutTexts.map((response) => ({ prompt: ctx.prompt.text, response })), opts) : Promise.resolve([]);
    } else if (indirect) {
      // log π_base(τ_i | [s_t, z]) for the implicit reward; reused rollouts already carry theirs.
      const need = valued.flatMap((c) => (c.terminal ? [] : c.rollouts.filter((r) => !r.baseLogprobs).map((r) => ({ c, r }))));
      if (need.length) {
        baseScoring = env.base
          .score(
            {
              sharedPrefix: state.ids.length + 1,
              items: need.map(({ c, r }) => ({
                prompt: promptOf(c),
                continuation: [...r.tokens.map((t) => t.id), ...(r.finish === 'eos' && eosId !== null ? [eosId] : [])],
              })),
            },
            opts,
          )
          .then((res) => need.forEach(({ r }, i) => (r.baseLogprobs = res[i].logprobs)));
      }
    }
    const [rewards, rBL] = await Promise.all([rewarding, blRewards, baseScoring]);
    return { rewards, rBL };
  });
  const [scoreRes, { rewards, rBL }] = await Promise.all([scoringApplied, valuing, speculating]);
  let at = 0;
  for (const c of valued) c.rewards = c.terminal ? [rewards[at++]] : c.rollouts.map((r) => r.reward!);

  // ── 5. Q̂(s_t, z): the mean (direct), or self-normalised importance sampling (indirect).
  let blAt = 0;
  for (const c of valued) {
    if (c.terminal) {
      c.estimate = { q: c.rewards[0], stderr: 0, ess: 1 };
      continue;
    }
    if (!indirect) {
      c.estimate = meanEstimate(c.rewards);
      continue;
    }
    // w_i = exp(r_i/β − r_BL,i/β_BL); with the implicit reward r_BL/β_BL = log ρ_BL(τ) − log π_base(τ) + const.
    const logW = c.rollouts.map((r, i) => {
      if (rBL) return c.rewards[i] / p.beta - rBL[blAt + i] / p.betaBaseline;
      return c.rewards[i] / p.beta + baseLogprob(r, eosId) - rolloutLogprob(r, c, eosId);
    });
    if (rBL) blAt += c.rollouts.length;
    c.estimate = selfNormalisedEstimate(c.rewards, logW);
  }

  // ── 6. Choose z_t: argmax (or sample) of log π_base(z|s_t) + α·Q̂(s_t, z).
  const scores = cands.map((c) => {
    if (c.logprobBase === null) {
      c.flags.push('log π_base unavailable from the base model: excluded from selection');
      return -Infinity;
    }
    return c.logprobBase + (skipTo ? 0 : p.alpha * c.estimate!.q);
  });
  const sel = select(scores, skipTo ? 'greedy' : p.selection, p.selectionTemperature, ctx.rngFor(state.step, 'select'));
  if (!Number.isFinite(scores[sel.index])) throw new TqError('capability', `${env.base.label} gave no log-probability for any candidate.`);
  const chosen = skipTo ?? cands[sel.index];
  const chosenToken: Token = { id: chosen.id, text: chosen.text };

  // Block acceptance: a clear lead commits the next tokens of the chosen candidate's best rollout.
  let accepted: Token[] = [];
  if (p.speed.blockAccept > 0 && !chosen.terminal && chosen.rollouts.length && !skipTo) {
    const others = scores.filter((_, i) => cands[i] !== chosen);
    const runnerUp = others.length ? Math.max(...others) : -Infinity;
    if (scores[cands.indexOf(chosen)] - runnerUp >= p.speed.blockMargin) {
      let best = 0;
      for (let i = 1; i < chosen.rewards.length; i++) if (chosen.rewards[i] > chosen.rewards[best]) best = i;
      const m = Math.min(p.speed.blockAccept, chosen.rollouts[best].tokens.length, remaining);
      accepted = chosen.rollouts[best].tokens.slice(0, m).map((t) => ({ id: t.id, text: t.text }));
      if (accepted.length) notes.push(`block accepted: ${accepted.length} more tokens of the best rollout (lead ≥ speed.blockMargin)`);
    }
  }

  const candidates: CandidateDiagnostics[] = cands.map((c, i) => ({
    id: c.id,
    text: c.text,
    logprobBase: c.logprobBase,
    logprobBaseline: c.logprobBaseline,
    q: c.estimate?.q ?? null,
    qStderr: c.estimate?.stderr ?? null,
    ess: indirect && !oracle && c.estimate && !c.terminal ? c.estimate.ess : null,
    score: scores[i],
    selectProb: sel.probs[i],
    chosen: c === chosen,
    rollouts: c.rollouts.map((r, j): RolloutDiagnostics => ({
      text: r.text,
      reward: c.rewards[j],
      ...(c.estimate?.weights ? { weight: c.estimate.weights[j] } : {}),
    })),
    ...(c.flags.length ? { flags: c.flags } : {}),
  }));
  const outcome: StepOutcome = {
    chosen: chosenToken,
    accepted,
    candidates,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(chosen.id === eosId ? { end: 'eos' as const, eosChosen: true } : {}),
  };
  // A hit: z_t is a state this step speculated on, or one the last step speculated on two ahead (depth 2). Misses are cancelled after the step.
  const from = !accepted.length && chosen.id !== eosId ? [below, spec].find((b) => b?.states.includes(chosen.id)) : undefined;
  const taken = from?.take(chosen.id);
  if (!reuse || chosen.id === eosId) return { outcome };

  // What this step leaves for s_{t+1}: the rollout model's top-k there, π_base's, and reusable rollouts.
  const next = carryFrom(chosen.rollouts, accepted.map((t) => t.id), rolloutIsBase);
  if (taken) next.speculated = taken;
  if (needNextBaseTop && !accepted.length) {
    const i = toScore.indexOf(chosen);
    if (i >= 0 && scoreRes[i]?.next) next.baseTop = scoreRes[i].next;
  }
  return { outcome, carry: next };
}

/**
 * carryFrom reads a fresh rollout's top-k at most at position blockAccept (after the accepted
 * block); reused rollouts are read deeper, which a backend serves on demand when it can.
 */
const TOP_POSITIONS = (blockAccept: number) => 1 + blockAccept;

/** Q̂ so far from the rollouts whose rewards are already known (reused ones), else 0: a ranking for speculation only. */
function partialQ(c: Candidate): number {
  let s = 0;
  let n = 0;
  for (const r of c.rollouts) if (r.reward !== undefined) (s += r.reward), n++;
  return n ? s / n : 0;
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
