// Error bodies of every server shape reach the error message: a fetch wrapper for the OpenAI SDK's client.
//
// openai-node v6 (core/error.js APIError.generate) keeps only `body.error` of an error answer, so SGLang's top-level
// {object: "error", message, …} (entrypoints/openai/protocol.py ErrorResponse) and FastAPI's {detail: …} became
// "400 status code (no body)". This wraps such a body as {error: {message, …}} before the SDK reads it.

type Fetch = typeof globalThis.fetch;

/** The server's message in a body without an `error` key, or undefined when it has one (or none is found). */
export function errorMessageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (b.error !== undefined && b.error !== null) return undefined;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.detail === 'string') return b.detail;
  if (b.detail !== undefined) return JSON.stringify(b.detail).slice(0, 500);
  return undefined;
}

export function surfacingErrorBodies(inner: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (res.ok) return res;
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const message = errorMessageOf(body);
    const out = message === undefined ? text : JSON.stringify({ error: { ...(body as object), message } });
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(out, { status: res.status, statusText: res.statusText, headers });
  };
}
