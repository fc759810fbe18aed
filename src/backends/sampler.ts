// Sampling that the decoder asks for and servers do differently.
//
// Neutral sampling: a server fills every sampling field a request leaves out with its own default, and several
// defaults truncate or penalise (../shared/SERVERS-AUDIT.md); each dialect module lists the fields that turn its
// server's off (ServerDialect.neutral). Logprobs stay the raw model log-probabilities on every one of these servers,
// so any truncation left on makes the rollouts disagree with the log-probabilities the estimator weighs them by.
export { neutralSampling } from './dialects/registry';

/**
 * vLLM refuses n > 1 at temperature 0 ("n must be 1 when using greedy sampling", SamplingParams._verify_greedy_sampling);
 * greedy decoding gives the same sample every time, so one sample is asked for and repeated.
 */
export function greedyCopies(temperature: number, n: number): { nAsked: number; copies: number } {
  return temperature === 0 && n > 1 ? { nAsked: 1, copies: n } : { nAsked: n, copies: 1 };
}
