// Numerically safe log-space arithmetic: log-sum-exp and softmax over scores that may be -Infinity.

export function logSumExp(xs: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > max) max = xs[i];
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.exp(xs[i] - max);
  return max + Math.log(sum);
}

/** softmax(scores / temperature); all -Infinity (no admissible candidate) gives all zeros. */
export function softmax(scores: ArrayLike<number>, temperature = 1): number[] {
  const scaled = Array.from(scores, (s) => s / temperature);
  const lse = logSumExp(scaled);
  if (!Number.isFinite(lse)) return scaled.map(() => 0);
  return scaled.map((s) => Math.exp(s - lse));
}
