// Base-URL normalisation: what users paste into settings becomes the URLs the clients call.
import { TqError } from '../core/errors';

/**
 * The OpenAI base URL (…/v1) for a pasted endpoint. Users paste the server root, the base URL,
 * a doubled `/v1/v1`, or a full `/v1/completions` URL: all of them mean the same server.
 */
export function openaiBaseUrl(pasted: string, setting?: string): string {
  const root = serverRoot(pasted, setting);
  return `${root}/v1`;
}

/** The server root (where vLLM serves /tokenize, /detokenize, /pooling), without a trailing slash. */
export function serverRoot(pasted: string, setting?: string): string {
  let u: URL;
  try {
    u = new URL(pasted.trim());
  } catch {
    throw new TqError('config', `not a URL: "${redactUrl(pasted)}"`, { setting });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TqError('config', `not an http(s) URL: "${redactUrl(pasted)}"`, { setting });
  if (u.username || u.password)
    throw new TqError('config', `${redactUrl(pasted)}: a user name or password in the URL would be printed in logs and messages; remove it and put the key in apiKeyEnv (CLI) or "Transfer Q*: Set API Key…" (VS Code)`, { setting });
  let path = u.pathname.replace(/\/+$/, '');
  // A pasted endpoint path is not part of the base.
  path = path.replace(/\/(chat\/completions|completions|completion|models|tokenize|detokenize|pooling|classify|score|predict|get_reward)$/, '');
  // Any run of trailing /v1 segments (missing, single or doubled) collapses to none.
  while (/\/v1$/.test(path)) path = path.replace(/\/v1$/, '').replace(/\/+$/, '');
  u.pathname = path || '/';
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

/** The URL with any user:password@ replaced by ***@, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, '$1***@');
}
