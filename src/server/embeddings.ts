// A DEMO embedding model on /v1/embeddings (OpenAI shape): hashed bags of words, not a sentence encoder.
import { deriveSeed } from '../core/rng.js';
import { badRequest, HttpError } from '../vllmApi/httpError.js';

/** The one embedding model the reference server serves; its name says what it is. */
export const DEMO_EMBEDDING_MODEL = 'demo-embedding-hashed-words';
const DIMS = 128;

/**
 * Feature hashing of the lower-cased words (each word adds ±1 to one of 128 dimensions), L2-normalised:
 * two texts score a high cosine exactly when they share words. Enough to exercise `tqstar eval`'s
 * coherence metric end to end over HTTP; a real run points it at a real embedding endpoint.
 */
export function demoEmbed(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    const h = deriveSeed('demo-embedding', w);
    v[h % DIMS]! += h & 0x40000000 ? 1 : -1;
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v : v.map((x) => x / norm);
}

export function demoEmbeddings(body: Record<string, unknown>) {
  if (body.model !== undefined && body.model !== DEMO_EMBEDDING_MODEL)
    throw new HttpError(404, `The model \`${String(body.model)}\` does not exist (this reference server serves ${DEMO_EMBEDDING_MODEL}).`, 'NotFoundError', 'model');
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((s) => typeof s === 'string'))
    throw badRequest('input must be a string or a non-empty array of strings (this reference server does not take token ids here).', 'input');
  const tokens = inputs.reduce((n, s) => n + (s.match(/[a-z0-9']+/gi)?.length ?? 0), 0);
  return {
    object: 'list',
    model: DEMO_EMBEDDING_MODEL,
    data: inputs.map((s, index) => ({ object: 'embedding', index, embedding: demoEmbed(s) })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
