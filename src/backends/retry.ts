// Call-level retries: bounded exponential backoff that honours Retry-After, cancellable.
import { TqError } from '../core/errors';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

/**
 * HTTP 500s that the same request always gets again: llama-server's refusal of echo (server-common.cpp
 * oaicompat_completion_params_parse throws "Only no echo is supported", which ex_wrapper maps to 500), and
 * its failure on a sampled lone UTF-8 byte (see isSampledTokenFailure). Retrying them only costs time.
 */
export function isDeterministicServerError(e: unknown): boolean {
  return e instanceof TqError && e.kind === 'http' && e.status === 500 && (/only no echo is supported/i.test(e.message) || isSampledTokenFailure(e));
}

/** llama.cpp common/chat.cpp (80fb11ac): "The model produced output that does not match the expected <format> format". */
export function isSampledTokenFailure(e: unknown): boolean {
  return e instanceof TqError && e.kind === 'http' && e.status === 500 && /does not match the expected .* format/i.test(e.message);
}

/** A refused connection (ECONNREFUSED): no server listens at that address. */
export function isRefused(e: TqError): boolean {
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(e.message);
}

/** Transient failures worth another attempt: rate limits, server errors, resets, truncated or malformed bodies. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof TqError) || (e as { retryable?: boolean }).retryable === false) return false;
  // Nothing listens there: asking again within seconds gets the same refusal, and only delays the report.
  if (e.kind === 'connection' && isRefused(e)) return false;
  if (e.kind === 'connection' || e.kind === 'protocol') return true;
  if (isDeterministicServerError(e)) return false;
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
