// Strict readers for numbers a server sends: log-probabilities, reward scores, one score per input.
import { TqError } from '../core/errors';
import { describeErrorBody } from './errorBodies';

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

// ——— The checks every dialect's answer passes (parse.ts and the dialect modules call them; README "what each dialect guarantees"). ———

/** How far two values one answer gives for the same token may differ (log space): servers compute both from one distribution. */
const LOGPROB_AGREEMENT = 1e-3;

const protocol = (url: string, detail: string) => new TqError('protocol', `${url}: ${detail}`, { url });

/** A 200 answer that is `{"error": …}` instead of the documented shape: the server's own message, never "lacks log-probabilities". */
export function rejectErrorBody(body: unknown, url: string): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const e = (body as { error?: unknown }).error;
  if (e === undefined || e === null || 'choices' in body) return;
  throw new TqError('http', `${url} answered HTTP 200 with an error: ${describeErrorBody(body)}`, { url });
}

/** A JSON object where the shape has one (a list entry, a position): a protocol error naming the field otherwise, never a TypeError. */
export function objectAt(x: unknown, url: string, field: string): Record<string, unknown> {
  if (x && typeof x === 'object' && !Array.isArray(x)) return x as Record<string, unknown>;
  throw protocol(url, `${field} is ${describeValue(x)}, not an object`);
}

/** A JSON array where the shape has one; `optional`: null or missing read as []. */
export function arrayAt(x: unknown, url: string, field: string, optional = false): unknown[] {
  if (Array.isArray(x)) return x;
  if (optional && (x === null || x === undefined)) return [];
  throw protocol(url, `${field} is ${describeValue(x)}, not a list`);
}

/**
 * A finish reason: "stop" or "length" (null where none was sent). "abort" means the server gave up on the
 * generation (a cut answer is never a finished one): an error. Anything else is a protocol error.
 */
export function finishOf(x: unknown, url: string, field: string, abortMessage?: unknown): 'stop' | 'length' | null {
  if (x === 'stop' || x === 'length') return x;
  if (x === null || x === undefined) return null;
  if (x === 'abort') throw new TqError('http', `${url}: the server aborted the generation (${field} "abort"${typeof abortMessage === 'string' && abortMessage ? `: ${abortMessage.slice(0, 200)}` : ''})`, { url });
  throw protocol(url, `${field} is ${describeValue(x)}, not "stop" or "length"`);
}

/** Lists that describe the same positions must be as long as the tokens list (a short one is a broken answer, not "no logprobs"). */
export function sameLength(lengths: Record<string, number | undefined>, url: string, field: string): void {
  const entries = Object.entries(lengths).filter((e): e is [string, number] => e[1] !== undefined);
  const [first, n] = entries[0]!;
  for (const [name, len] of entries.slice(1)) if (len !== n) throw protocol(url, `${field}.${name} has ${len} entries, ${field}.${first} ${n}`);
}

type Key = { id: number } | { str: string };
const sameKey = (a: Key, b: Key) => ('id' in a ? 'id' in b && a.id === b.id : 'str' in b && a.str === b.str);

/**
 * A top-k list against the sampled (or echoed) token's own log-probability, from the same answer:
 * - the token listed: the same value (a text-only server may have merged entries of one text: at least it);
 * - not listed, in a top-k: no more likely than the least likely entry (else the list is not the top k);
 * - the probabilities of the list and that token never add up to more than 1.
 * `topK` false: the list names given ids (vLLM logprob_token_ids), not the most likely ones.
 */
export function checkTopAgainstOwn(own: { key: Key; logprob: number | null }, list: ReadonlyArray<{ key: Key; logprob: number; merged?: number }>, url: string, field: string, topK = true): void {
  if (own.logprob === null || list.length === 0) return;
  const lp = own.logprob;
  const hit = list.find((t) => sameKey(t.key, own.key));
  const tol = LOGPROB_AGREEMENT;
  if (hit && (hit.merged ? lp > hit.logprob + tol : Math.abs(hit.logprob - lp) > tol))
    throw protocol(url, `${field} gives the sampled token log-probability ${hit.logprob}, its own entry ${lp}`);
  if (!hit && topK) {
    const least = list.reduce((m, t) => Math.min(m, t.logprob), 0);
    if (lp > least + tol) throw protocol(url, `${field} leaves out the sampled token (log-probability ${lp}) while listing one at ${least}: not a top-k list`);
  }
  let mass = hit ? 0 : Math.exp(lp);
  for (const t of list) mass += Math.exp(t.logprob);
  if (mass > 1 + 10 * tol) throw protocol(url, `${field} and the sampled token add up to probability ${mass.toPrecision(4)} > 1`);
}

/**
 * A choice's text against its tokens' texts, when every text is known (none unknown, none U+FFFD: a byte piece
 * decodes only with its neighbours): equal, or without the last token (an EOS or stop token, not part of the
 * text). Otherwise the answer contradicts itself. (Callers skip it for requests with stop strings.)
 */
export function checkChoiceText(text: string, pieces: ReadonlyArray<string | undefined>, url: string, field: string): void {
  if (pieces.some((p) => p === undefined || p.includes('\ufffd'))) return;
  const all = pieces.join('');
  if (text === all || text === pieces.slice(0, -1).join('')) return;
  throw protocol(url, `${field} is ${describeValue(text)}, but its tokens spell ${describeValue(all)}`);
}
