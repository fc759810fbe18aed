// The public face of the decoding core: decode one strategy, run and rank several, parse parameters.
export { decode, runStrategies } from './decode';
export { parseDecodingParams } from './params';
export type { DecodeEnv, Prompt } from './context';
export type * from './events';
export type {
  TokenId, Token, TokenLogprob, SampledToken, Completion, CallOptions, SampleRequest, ScoreItem, ScoreRequest, ScoreResult,
  LanguageModel, RewardPair, RewardSource, FinishReason as CompletionFinishReason,
} from './model';
export { TqError, isAbort, type ErrorKind } from './errors';
export { meanEstimate, selfNormalisedEstimate, type QEstimate } from './estimators';
export { deriveSeed, Rng } from './rng';
export { logSumExp, softmax } from './logspace';
export type { DecodingParams, DecodingParamsInput, StrategyName } from '../config/schema';
