// What a strategy sees while decoding: the (metered) environment, parameters, the state s_t, and the step's outcome type.
import type { DecodingParams, StrategyName } from '../config/schema';
import type { CandidateDiagnostics, StepDiagnostics } from './events';
import type { LanguageModel, RewardSource, Token, TokenId } from './model';
import type { Meter } from './meter';
import type { Rng } from './rng';

export interface DecodeEnv {
  /** π_base: the reference / SFT model. */
  base: LanguageModel;
  /** ρ_BL: the already-aligned baseline model. */
  baseline: LanguageModel;
  /** r: the target reward. */
  reward: RewardSource;
  /** r_BL: the reward the baseline was aligned to (indirect transfer with indirectWeights 'baseline-reward'). */
  baselineReward?: RewardSource;
  /**
   * Exact values in place of rollouts (tabular verification and demos): Q(s_t, z) for each
   * candidate z at the state ids s_t. TQ* uses it as Q*, CD as Q^{π_base}.
   */
  valueOracle?: (state: TokenId[], candidates: TokenId[]) => number[];
}

export interface Prompt {
  text: string;
  /** Already templated and tokenised; otherwise the core calls base.encode(text). */
  ids?: TokenId[];
}

/** s_t = [x, y<t]: the prompt plus the tokens decided so far. */
export interface DecodeState {
  /** Prompt ids followed by the response ids (the prefix every model call continues). */
  ids: TokenId[];
  tokens: Token[];
  /** The response text so far (joined token texts, or the server's text for whole-response strategies). */
  text: string;
  step: number;
}

export interface RunContext {
  strategy: StrategyName;
  env: DecodeEnv; // metered
  params: DecodingParams;
  prompt: { text: string; ids: TokenId[] };
  meter: Meter;
  signal?: AbortSignal;
  /** Per-step randomness (selection); requests get seeds from seedFor. */
  rngFor(step: number, purpose: string): Rng;
  seedFor(step: number, purpose: string): number;
  /**
   * r(x, [y<t ⊕ suffix]) for many suffixes of the current state's text in one reward call, cached
   * by suffix while later states extend it (e.g. r(x, y<t) asked again one step later as EOS's value).
   */
  rewards(suffixes: string[]): Promise<number[]>;
  /**
   * One reward call for `cached` suffixes (looked up and kept, for the few short-lived texts such
   * as r(x, y<t)) and `fresh` ones (always scored, never kept: rollouts keep their own reward).
   */
  rewardsMixed(cached: string[], fresh: string[]): Promise<{ cached: number[]; fresh: number[] }>;
  warn(message: string): void;
}

export interface StepOutcome {
  /** The token this step chose (EOS when it ended the response). */
  chosen: Token;
  /** Further tokens committed at once (block acceptance, or the rest of a whole response). */
  accepted: Token[];
  candidates: CandidateDiagnostics[];
  note?: string;
  /** The response ends after this step. */
  end?: 'eos' | 'stop' | 'maxTokens';
  /** `chosen` is the EOS token: it ends the response and is not appended. */
  eosChosen?: boolean;
  /** The server's text for chosen+accepted when it is authoritative (whole-response strategies). */
  text?: string;
  /** StepDiagnostics.baseTop, alpha and steered (see events.ts), for strategies that know them. */
  baseTop?: StepDiagnostics['baseTop'];
  alpha?: number;
  steered?: boolean;
}

/** One decoding strategy; it may keep state between steps of one run (e.g. reusable rollouts). */
export interface Strategy {
  step(state: DecodeState): Promise<StepOutcome>;
  /** The run is over: cancel anything still in flight (e.g. speculative requests). */
  dispose?(): void;
}
export type StrategyFactory = (ctx: RunContext) => Strategy;
