// The standard OpenAI routes that are not on the decoding hot path — chat completions (the judge reward and the
// eval's pairwise judge), /v1/models, /v1/embeddings — through the openai SDK, over the endpoint's guarded
// transport (Endpoint.fetchFor): the SDK never retries (maxRetries 0) and never times out first; the endpoint's
// retry policy, timeout, body limit, redirect rules, request log, request counting and key redaction apply as on
// every other request, and its errors (with the server's own words) are what callers see. The hot /v1/completions
// call keeps the lean reader (completionsRoute.ts, bench/requestCpu.ts).
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { TqError } from '../core/errors';
import { MAX_TIMEOUT_MS, type Endpoint } from './endpoint';

export interface RouteOpts {
  signal?: AbortSignal;
  onRequest?: () => void;
}

// Not a secret: the SDK wants a key, and the endpoint sends its own Authorization header (the SDK's is not used).
const SDK_KEY = 'sk-set-by-the-endpoint';

export class OpenAIRoutes {
  constructor(private readonly ep: Endpoint) {}

  /** POST {base}/chat/completions. */
  chat(body: ChatCompletionCreateParamsNonStreaming, opts: RouteOpts = {}): Promise<ChatCompletion> {
    return this.call(opts, (sdk) => sdk.chat.completions.create(body, { signal: opts.signal }));
  }

  /** GET {base}/models: the ids listed. */
  async models(opts: RouteOpts = {}): Promise<unknown[]> {
    const page = await this.call(opts, (sdk) => sdk.models.list({ signal: opts.signal }));
    return (page.data as unknown[] | undefined) ?? [];
  }

  /** POST {base}/embeddings with float vectors (the SDK would ask for base64 otherwise); the model only when given. */
  async embeddings(input: string[], model: string | undefined, opts: RouteOpts = {}): Promise<unknown> {
    const body = { input, encoding_format: 'float' as const, ...(model ? { model } : {}) } as OpenAI.EmbeddingCreateParams;
    return this.call(opts, (sdk) => sdk.embeddings.create(body, { signal: opts.signal }));
  }

  /** One SDK call; what the transport threw is rethrown as it was (the SDK wraps it in a connection error). */
  private async call<T>(opts: RouteOpts, f: (sdk: OpenAI) => PromiseLike<T>): Promise<T> {
    const failure: { error?: TqError } = {};
    const sdk = new OpenAI({ apiKey: SDK_KEY, baseURL: this.ep.baseUrl, maxRetries: 0, timeout: MAX_TIMEOUT_MS, fetch: this.ep.fetchFor({ onRequest: opts.onRequest, failure }) });
    try {
      return await f(sdk);
    } catch (e) {
      throw failure.error ?? e;
    }
  }
}
