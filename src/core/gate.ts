// The gate: steer a step only where the proposer is uncertain about the next token.
import { logSumExp } from './logspace';

export interface GateParams {
  by: 'none' | 'entropy' | 'top1';
  minEntropy: number;
  maxTop1: number;
}

/** Entropy (nats) and top-1 mass of the proposer's top-k list, renormalised over the list. */
export function uncertainty(logprobs: readonly number[]): { entropy: number; top1: number } {
  const lps = logprobs.filter((l) => Number.isFinite(l));
  if (!lps.length) return { entropy: 0, top1: 1 };
  const lz = logSumExp(lps);
  let entropy = 0;
  let top1 = 0;
  for (const l of lps) {
    const p = Math.exp(l - lz);
    if (p > 0) entropy -= p * (l - lz);
    top1 = Math.max(top1, p);
  }
  return { entropy: Math.max(0, entropy), top1 };
}

/** True when the step is steered: always without a gate; else when the entropy reaches minEntropy ("entropy") or the top-1 mass is below maxTop1 ("top1"). */
export function steers(gate: GateParams, logprobs: readonly number[]): boolean {
  if (gate.by === 'none') return true;
  const u = uncertainty(logprobs);
  return gate.by === 'entropy' ? u.entropy >= gate.minEntropy : u.top1 < gate.maxTop1;
}
