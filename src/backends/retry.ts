// Call-level retries: bounded exponential backoff that honours Retry-After, cancellable.
import { TqError } from '../core/errors';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

/** Transient failures worth another attempt: rate limits, server errors, resets, truncated or malformed bodies. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof TqError) || (e as { retryable?: boolean }).retryable === false) return false;
  if (e.kind === 'connection' || e.kind === 'protocol') return true;
  if (e.kind === 'http') return e.status === 429 || e.status === 408 || (e.status !== undefined && e.status >= 500);
  return false;
}

/** The wait before attempt `attempt + 1`: the server's Retry-After when it gave one (capped), else backoff. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs);
  return Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TqError('aborted', 'cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TqError('aborted', 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
