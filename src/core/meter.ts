// Request and model-token accounting around the models and rewards, enforcing the run's budget.
import type { DecodingParams } from '../config/schema';
import { TqError } from './errors';
import type { CallOptions, Completion, LanguageModel, RewardPair, RewardSource, SampleRequest, ScoreRequest, ScoreResult, TokenId, TokenLogprob } from './model';

export class Meter {
  requests = 0;
  modelTokens = 0;
  /** Off for the final scoring of a partial answer, which may run after the budget is spent. */
  enforce = true;
  constructor(private readonly budget: DecodingParams['budget']) {}

  beforeRequest(): void {
    this.checkBudget();
    this.requests++;
  }

  checkBudget(): void {
    if (this.enforce && this.requests + 1 > this.budget.maxRequests) {
      throw new TqError('budget', `The run needs more than ${this.budget.maxRequests} requests (decoding.budget.maxRequests).`, {
        setting: 'tqstar.decoding.budget.maxRequests',
      });
    }
  }

  /**
   * Before a request: its worst case (every sample runs to maxTokens, plus its EOS) must fit in what
   * is left of maxModelTokens, or it is not sent. Checking only afterwards let one request overrun
   * the budget many times over (Best-of-256 at once).
   */
  reserveTokens(worst: number): void {
    if (!this.enforce || this.modelTokens + worst <= this.budget.maxModelTokens) return;
    const left = Math.max(0, this.budget.maxModelTokens - this.modelTokens);
    throw new TqError('budget', `The next request could use up to ${worst} model tokens, and ${left} of the ${this.budget.maxModelTokens} allowed are left (decoding.budget.maxModelTokens).`, {
      setting: 'tqstar.decoding.budget.maxModelTokens',
    });
  }

  addTokens(n: number): void {
    this.modelTokens += n;
    if (this.enforce && this.modelTokens > this.budget.maxModelTokens) {
      throw new TqError('budget', `The run used more than ${this.budget.maxModelTokens} model tokens (decoding.budget.maxModelTokens).`, {
        setting: 'tqstar.decoding.budget.maxModelTokens',
      });
    }
  }
}

/**
 * Counts a call as the HTTP requests it makes: exactly those when its source reports every one through
 * CallOptions.onRequest (`countsRequests`; retries and follow-ups such as /tokenize and /detokenize included, even
 * those that end after the call returns), each checked against maxRequests before it is sent; otherwise (an
 * in-process model or reward) one per call, plus any reported beyond the first. The budget is checked before each call.
 */
function counted(meter: Meter, opts: CallOptions | undefined, exact: boolean | undefined, budgeted = true): CallOptions {
  if (!budgeted) meter.requests += exact ? 0 : 1;
  else if (exact) meter.checkBudget();
  else meter.beforeRequest();
  let http = 0;
  return {
    ...opts,
    onRequest: () => {
      if (exact && budgeted) meter.beforeRequest();
      else if (exact || ++http > 1) meter.requests++;
      opts?.onRequest?.();
    },
  };
}

/** The same model, with every call counted against the meter (see counted). */
export function meteredModel(model: LanguageModel, meter: Meter): LanguageModel {
  return {
    label: model.label,
    eosId: model.eosId,
    warnings: model.warnings,
    countsRequests: model.countsRequests,
    // Read through: a backend turns it off when its server turns out not to honour it.
    get cheapTokenScoring() {
      return model.cheapTokenScoring;
    },
    async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
      meter.reserveTokens(prompts.length);
      const r = await model.nextTokens(prompts, k, counted(meter, opts, model.countsRequests));
      meter.addTokens(prompts.length); // one forward position per prompt
      return r;
    },
    async sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]> {
      meter.reserveTokens(req.prompts.length * req.n * (req.maxTokens + 1));
      const r = await model.sample(req, counted(meter, opts, model.countsRequests));
      let n = 0;
      for (const perPrompt of r) for (const c of perPrompt) n += c.tokens.length + (c.finish === 'eos' ? 1 : 0);
      meter.addTokens(n);
      return r;
    },
    async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
      let n = 0;
      // Scored positions only: the prompts are the shared state, which a prefix-caching server
      // (vLLM's default) does not recompute; counting them would bill the context k times a step.
      for (const item of req.items) n += Math.max(1, item.continuation.length + (req.nextTopK ? 1 : 0));
      meter.reserveTokens(n);
      const r = await model.score(req, counted(meter, opts, model.countsRequests));
      meter.addTokens(n);
      return r;
    },
    async encode(text: string, opts?: CallOptions): Promise<TokenId[]> {
      return model.encode(text, counted(meter, opts, model.countsRequests));
    },
  };
}

/** `budgeted` false: counted, never refused (the score of a partial answer after the budget is spent; nothing else passes meanwhile). */
export function meteredReward(reward: RewardSource, meter: Meter, budgeted = true): RewardSource {
  return {
    label: reward.label,
    countsRequests: reward.countsRequests,
    async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
      const r = await reward.score(pairs, counted(meter, opts, reward.countsRequests, budgeted));
      if (r.length !== pairs.length || r.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new TqError('reward', `${reward.label} returned ${r.length} scores for ${pairs.length} inputs, or a non-finite score.`);
      }
      return r;
    },
  };
}
