// In-process test/demo backends: a LanguageModel over any token-level table, a RewardSource over a
// sequence reward, and the tabular suite (π_base, ρ*_r, ρ*_{r_BL}, r, r_BL, exact helpers) shared with the server and CLI demo.
import { TqError } from '../core/errors';
import type { CallOptions, Completion, LanguageModel, RewardPair, RewardSource, SampleRequest, SampledToken, ScoreRequest, ScoreResult, TokenId, TokenLogprob } from '../core/model';
import { Rng, deriveSeed } from '../core/rng';
import { Exact, topK } from './exact';
import { type NextDist, type SequenceReward, type TabularWorld, parseWords, tabularBase, tabularReward, tabularRewardBL, tabularWorld } from './tabular';

function checkAbort(opts?: CallOptions) {
  if (opts?.signal?.aborted) throw new TqError('aborted', 'Cancelled.');
}

/** A LanguageModel over a NextDist on a tabular world (a test/demo model, labelled as such). */
export class InProcessModel implements LanguageModel {
  readonly eosId: TokenId;
  /** Requests served, for tests that count calls at the model itself. */
  calls = 0;
  constructor(
    readonly label: string,
    readonly world: TabularWorld,
    readonly dist: NextDist,
  ) {
    this.eosId = world.eosId;
  }

  private words(ids: readonly TokenId[]): TokenId[] {
    return ids.filter((id) => id !== this.world.bosId);
  }

  /** The table's distribution; after an EOS (e.g. scoring [s, EOS] with nextTopK) only EOS again, as a server would pad. */
  private at(seq: readonly TokenId[]): Float64Array {
    if (seq.includes(this.eosId)) {
      const d = new Float64Array(this.eosId + 1);
      d[this.eosId] = 1;
      return d;
    }
    return this.dist(seq);
  }

  private top(dist: Float64Array, k: number): TokenLogprob[] {
    return topK(dist, k).map((id) => ({ id, text: this.world.vocab[id], logprob: Math.log(dist[id]) }));
  }

  async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
    this.calls++;
    await Promise.resolve();
    checkAbort(opts);
    return prompts.map((p) => this.top(this.at(this.words(p)), k));
  }

  async sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]> {
    this.calls++;
    await Promise.resolve();
    checkAbort(opts);
    return req.prompts.map((prompt, i) => {
      const out: Completion[] = [];
      for (let j = 0; j < req.n; j++) out.push(this.sampleOne(this.words(prompt), req, new Rng(deriveSeed(req.seed ?? 0, i, j))));
      return out;
    });
  }

  private sampleOne(prefix: TokenId[], req: SampleRequest, rng: Rng): Completion {
    const seq = [...prefix];
    const tokens: SampledToken[] = [];
    let text = '';
    for (;;) {
      if (tokens.length >= req.maxTokens) return { tokens, text, finish: 'length' };
      const dist = this.at(seq);
      const z = req.temperature === 0 ? topK(dist, 1)[0] : rng.categorical(dist.map((p) => Math.pow(p, 1 / req.temperature)));
      const top = req.topLogprobs ? this.top(dist, req.topLogprobs) : undefined;
      // Raw model log-probabilities (not tempered), as vLLM reports them by default.
      const logprob = Math.log(dist[z]);
      if (z === this.eosId) return { tokens, text, finish: 'eos', eosLogprob: logprob, ...(top ? { eosTop: top } : {}) };
      tokens.push({ id: z, text: this.world.vocab[z], logprob, ...(top ? { top } : {}) });
      seq.push(z);
      text += this.world.vocab[z];
      for (const s of req.stop ?? []) {
        const at = s ? text.indexOf(s) : -1;
        if (at >= 0) return { tokens, text: text.slice(0, at), finish: 'stop' };
      }
    }
  }

  async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    this.calls++;
    await Promise.resolve();
    checkAbort(opts);
    return req.items.map((item) => {
      const seq = this.words(item.prompt);
      const logprobs = item.continuation.map((z) => {
        const lp = Math.log(this.at(seq)[z] ?? 0);
        seq.push(z);
        return lp;
      });
      return { logprobs, ...(req.nextTopK ? { next: this.top(this.at(seq), req.nextTopK) } : {}) };
    });
  }

  async encode(text: string, opts?: CallOptions): Promise<TokenId[]> {
    this.calls++;
    checkAbort(opts);
    return [this.world.bosId, ...parseWords(this.world, text, true)];
  }
}

/** r(x, y) over the tabular world: the prompt's words (others ignored) followed by the response's. */
export class InProcessReward implements RewardSource {
  calls = 0;
  constructor(
    readonly label: string,
    readonly world: TabularWorld,
    readonly reward: SequenceReward,
  ) {}
  async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
    this.calls++;
    await Promise.resolve();
    checkAbort(opts);
    return pairs.map(({ prompt, response }) => {
      try {
        return this.reward([...parseWords(this.world, prompt, true), ...parseWords(this.world, response, false)]);
      } catch (e) {
        throw new TqError('reward', `${this.label}: ${(e as Error).message}`);
      }
    });
  }
}

export interface TabularSuite {
  world: TabularWorld;
  vocab: readonly string[];
  beta: number;
  /** Next-token tables: π_base, ρ*_r and ρ*_{r_BL} (exact, by backward recursion). */
  dists: { base: NextDist; rhoStarR: NextDist; rhoStarRbl: NextDist };
  base: InProcessModel;
  /** ρ*_r: the ideal baseline for direct transfer. */
  rhoStarR: InProcessModel;
  /** ρ*_{r_BL}: a baseline aligned to a different reward, for indirect transfer. */
  rhoStarRbl: InProcessModel;
  rewardFn: SequenceReward;
  rewardBLFn: SequenceReward;
  reward: InProcessReward;
  rewardBL: InProcessReward;
  /** Exact quantities for r (ρ*_r, Q*_r, E[r], KL, objective) and for r_BL. */
  exact: Exact;
  exactBL: Exact;
}

/** The tabular test/demo suite. β is the target's (and, for r_BL, the baseline's) KL strength. */
export function tabularSuite(opts: { seed?: number; beta?: number; betaBaseline?: number; maxLength?: number } = {}): TabularSuite {
  const world = tabularWorld(opts.maxLength ?? 5);
  const beta = opts.beta ?? 1;
  const base = tabularBase(world, opts.seed ?? 1);
  const exact = new Exact(world, base, tabularReward, beta);
  const exactBL = new Exact(world, base, tabularRewardBL, opts.betaBaseline ?? beta);
  const memo = (d: NextDist): NextDist => {
    const m = new Map<string, Float64Array>();
    return (s) => {
      const key = s.join(',');
      let v = m.get(key);
      if (!v) m.set(key, (v = d(s)));
      return v;
    };
  };
  const dists = { base, rhoStarR: memo(exact.rhoStar), rhoStarRbl: memo(exactBL.rhoStar) };
  return {
    world,
    vocab: world.vocab,
    beta,
    dists,
    base: new InProcessModel('tabular-base (in-process test model)', world, dists.base),
    rhoStarR: new InProcessModel('tabular-rho-r (in-process ρ*_r)', world, dists.rhoStarR),
    rhoStarRbl: new InProcessModel('tabular-rho-rbl (in-process ρ*_{r_BL})', world, dists.rhoStarRbl),
    rewardFn: tabularReward,
    rewardBLFn: tabularRewardBL,
    reward: new InProcessReward('tabular-reward (in-process)', world, tabularReward),
    rewardBL: new InProcessReward('tabular-reward-bl (in-process)', world, tabularRewardBL),
    exact,
    exactBL,
  };
}
