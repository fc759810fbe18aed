// Step 6 of ALGORITHM.md: the combined score log π_base(z) + α·value and the choice among candidates.
import { softmax } from './logspace';
import type { Rng } from './rng';

export interface Selection {
  /** softmax(score / temperature) over the candidates: the step's policy (π_TQ* for TQ*). */
  probs: number[];
  index: number;
}

/**
 * Greedy takes the argmax of the score (ties: the earlier candidate, i.e. the proposer's order);
 * sampling draws from the softmax. Candidates scoring -Infinity (e.g. π_base(z) = 0) are never chosen.
 */
export function select(scores: readonly number[], mode: 'greedy' | 'sample', temperature: number, rng: Rng): Selection {
  const probs = softmax(scores, temperature);
  if (mode === 'sample') return { probs, index: rng.categorical(probs) };
  let index = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[index]) index = i;
  return { probs, index };
}
