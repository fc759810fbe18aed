// Means and standard errors for the bench's tables.
import { meanEstimate } from '../src/core/estimators';
export interface MeanSe {
  mean: number;
  se: number;
  n: number;
}

/** The core's Monte-Carlo mean and standard error (s/√n), with NaN for no data and SE 0 for one value. */
export function meanSe(xs: readonly number[]): MeanSe {
  const n = xs.length;
  if (n === 0) return { mean: NaN, se: NaN, n };
  const { q, stderr } = meanEstimate(xs);
  return { mean: q, se: stderr ?? 0, n };
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
