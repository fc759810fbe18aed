// What a server's error answer says, for the error message: every server's error body shape, cut short.
//
// OpenAI and vLLM send {error: {message, type, code}}, llama.cpp {error: {code, message, type}}, TGI {error: "…"},
// SGLang a top-level {object: "error", message, …} (entrypoints/openai/protocol.py ErrorResponse), FastAPI {detail: …}.
// (openai-node v6, used before the lean transport, kept only `body.error` and printed "400 status code (no body)" for
// the last two: the reason this module exists.)

const cut = (s: string, n = 300) => s.slice(0, n);

/** The message of a parsed error body (at most 300 characters). */
export function describeErrorBody(body: unknown): string {
  if (typeof body === 'string') return cut(body);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return cut(JSON.stringify(body) ?? String(body));
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (typeof e === 'string') return cut(e);
  if (e && typeof e === 'object') {
    const m = (e as { message?: unknown }).message;
    return cut(typeof m === 'string' ? m : m !== undefined ? JSON.stringify(m) : JSON.stringify(e));
  }
  // No usable `error` key: SGLang's top-level message, FastAPI's detail.
  if (e === undefined || e === null) {
    if (typeof b.message === 'string') return cut(b.message);
    if (typeof b.detail === 'string') return cut(b.detail);
    if (b.detail !== undefined) return cut(JSON.stringify(b.detail));
  }
  return cut(JSON.stringify(body));
}

/** The message of an error answer's raw text: JSON read by shape, other text as sent (cut), nothing as "(no body)". */
export function errorTextMessage(text: string): string {
  if (!text.trim()) return '(no body)';
  try {
    return describeErrorBody(JSON.parse(text));
  } catch {
    return cut(text);
  }
}
