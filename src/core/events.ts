// What a decoding run reports: per-step diagnostics as plain data, run results and events.
// This is also the shape of `tqstar decode --json` (a public interface: see README) and of
// what the webview renders. The core never formats any of it for display.
import type { StrategyName } from '../config/schema';
import type { Token } from './model';

export interface RolloutDiagnostics {
  /** The rollout's continuation text after the candidate token. */
  text: string;
  reward: number;
  /** Indirect transfer: the self-normalised importance weight of this rollout (sums to 1 per candidate). */
  weight?: number;
}

export interface CandidateDiagnostics extends Token {
  /** log π_base(z | s_t); null only when it could not be computed (then `flags` says why). */
  logprobBase: number | null;
  /** log ρ_BL(z | s_t), when the baseline model was asked. */
  logprobBaseline: number | null;
  /** Q̂(s_t, z), null for strategies without a value estimate. */
  q: number | null;
  /** Standard error of Q̂ (for self-normalised IS: the delta-method estimate). */
  qStderr: number | null;
  /** Effective sample size (Σw)²/Σw² of the importance weights (indirect transfer). */
  ess: number | null;
  /** The combined score the selection used, e.g. log π_base + α·Q̂. */
  score: number;
  /**
   * Probability of this candidate under the step's policy softmax(score / selectionTemperature)
   * (π_TQ* for TQ*); greedy selection takes its argmax. Whole-response strategies: 1 for the kept one.
   */
  selectProb: number;
  chosen: boolean;
  rollouts: RolloutDiagnostics[];
  /** Anything approximate about this candidate, e.g. "logprobBase from re-tokenised text". */
  flags?: string[];
}

export interface StepDiagnostics {
  index: number;
  /** The token this step chose. */
  chosen: Token;
  /** Further tokens committed at once by block acceptance (empty otherwise). */
  accepted: Token[];
  candidates: CandidateDiagnostics[];
  /** Why rollouts were skipped or k shrunk, if they were (speed options). */
  note?: string;
  timing: { wallMs: number };
  requests: number;
  modelTokens: number;
}

export interface RunStats {
  requests: number;
  /** Tokens generated or scored by the models (prompt tokens of scoring calls included). */
  modelTokens: number;
  wallMs: number;
}

export type FinishReason = 'eos' | 'stop' | 'maxTokens' | 'aborted' | 'error';

export interface ErrorInfo {
  kind: string;
  message: string;
  url?: string;
  setting?: string;
}

export interface DecodeResult {
  strategy: StrategyName;
  text: string;
  tokens: Token[];
  /** r(x, y) of the final text under the target reward; null when it could not be scored (see error). */
  reward: number | null;
  steps: StepDiagnostics[];
  stats: RunStats;
  finish: FinishReason;
  error?: ErrorInfo;
  warnings: string[];
}

export interface RunResult {
  /** Sorted by reward, best first (null rewards last). */
  results: DecodeResult[];
  stats: RunStats;
}

export type DecodeEvent =
  | { type: 'start'; strategy: StrategyName; promptTokens: number }
  | { type: 'step'; strategy: StrategyName; step: StepDiagnostics; text: string }
  | { type: 'end'; strategy: StrategyName; result: DecodeResult }
  | { type: 'warning'; strategy?: StrategyName; message: string };

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (event: DecodeEvent) => void;
}
