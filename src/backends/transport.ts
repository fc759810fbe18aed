// The transport's rules, shared by the HTTP exchange (leanHttp.ts) and the endpoint: body limits per route, what counts as JSON, permanent refusals.
import type { TqError } from '../core/errors';

const MiB = 2 ** 20;
/** Documented in docs/reliability-and-security.md: completions carry top-k lists for every position. */
export const BODY_LIMITS = { completions: 64 * MiB, other: 16 * MiB } as const;
export const MAX_REDIRECTS = 5;

/** The largest response body accepted from `url`. */
export function bodyLimitFor(url: string): number {
  return /\/completions$/.test(new URL(url).pathname) ? BODY_LIMITS.completions : BODY_LIMITS.other;
}

/** An error that another attempt cannot fix (retry.ts reads the mark). */
export function permanent(e: TqError): TqError {
  return Object.assign(e, { retryable: false });
}

/** The media type of a Content-Type header, lower case ('' when absent). */
export function mediaType(contentType: string | undefined): string {
  return contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** JSON, or a stream of JSON events (SSE, Ollama's NDJSON), which its reader parses itself. */
export function isJsonMedia(media: string): boolean {
  return media.includes('application/json') || media.endsWith('+json') || isJsonStream(media);
}

export function isJsonStream(media: string): boolean {
  return media === 'text/event-stream' || media === 'application/x-ndjson';
}
