// Means and standard errors for the bench's tables.
export interface MeanSe {
  mean: number;
  se: number;
  n: number;
}

export function meanSe(xs: readonly number[]): MeanSe {
  const n = xs.length;
  if (n === 0) return { mean: NaN, se: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, se: Math.sqrt(v / n), n };
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
