// Strict readers for numbers a server sends: log-probabilities, reward scores, one score per input.
import { TqError } from '../core/errors';

/**
 * Servers round: a log-probability of a near-certain token can come back as +1e-7. Up to this much
 * above 0 is read as 0 (documented in docs/reliability-and-security.md); more is a broken answer.
 */
export const LOGPROB_ROUNDING = 1e-6;

/** The value as a short, readable token for messages (never the whole of a hostile string). */
export function describeValue(x: unknown): string {
  if (x === undefined) return 'missing';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'bigint') return `${x}n`;
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/**
 * A log-probability: a finite JSON number ≤ 0 (tiny positive rounding clamped to 0). null/undefined
 * mean "not reported" and come back as null; anything else (true, "", [], +50, a string) is a
 * protocol error naming the endpoint and the field.
 */
export function logprobOf(x: unknown, where: { url: string; field: string }): number | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number' && Number.isFinite(x)) {
    if (x <= 0) return x;
    if (x <= LOGPROB_ROUNDING) return 0;
  }
  throw new TqError('protocol', `${where.url}: ${where.field} is ${describeValue(x)}, not a log-probability (a finite number ≤ 0)`, { url: where.url });
}

// A plain decimal number, as a numeric string may spell it: no hex, no "Infinity", no blanks.
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A reward score: a finite JSON number. `numericStrings` admits a plain decimal string ("0.73",
 * "-1e-3"; never "0x10", " 5", "Infinity"), for the generic JSON reward whose server we do not know.
 */
export function scoreOf(x: unknown, where: { source: string; index: number; url?: string; numericStrings?: boolean }): number {
  const v = where.numericStrings && typeof x === 'string' && DECIMAL.test(x) ? Number(x) : x;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TqError('reward', `${where.source}: score ${where.index} is ${describeValue(x)}, not a finite number`, { url: where.url });
}

/**
 * Exactly one entry per input, placed by its `index` (its position when it has none): a missing,
 * repeated or out-of-range index, or a count that differs from the inputs, is an error.
 */
export function oneScorePerInput<T extends { index?: unknown }>(data: unknown, n: number, where: { source: string; url?: string }): T[] {
  if (!Array.isArray(data)) throw new TqError('reward', `${where.source}: no "data" list in the answer`, { url: where.url });
  if (data.length !== n) throw new TqError('reward', `${where.source}: expected ${n} score(s), one per input, got ${data.length}`, { url: where.url });
  const out: Array<T | undefined> = new Array(n).fill(undefined);
  data.forEach((d: T, i) => {
    const idx = d && typeof d === 'object' && d.index !== undefined ? d.index : i;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx >= n)
      throw new TqError('reward', `${where.source}: entry ${i} has index ${describeValue(idx)}, not one of 0…${n - 1}`, { url: where.url });
    if (out[idx] !== undefined) throw new TqError('reward', `${where.source}: index ${idx} answered twice`, { url: where.url });
    out[idx] = d;
  });
  return out as T[];
}
