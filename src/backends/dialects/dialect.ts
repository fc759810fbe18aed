// What one server family is to the client: its documented capabilities, how a generation request is built and
// its answer read (through validate.ts, as every dialect's answer is), and the server-specific extras (slots,
// EOS, tokenizer, native scoring, the probe). HttpLanguageModel composes one of these; registry.ts lists them.
import type { Dialect, ModelEndpoint } from '../../config/schema';
import type { CallOptions, ScoreRequest, TokenId } from '../../core/model';
import type { ParsedChoice, ParsedTop } from '../answer';
import type { Endpoint, Route } from '../endpoint';
import type { TokenTexts } from '../tokenTexts';

export type ConcreteDialect = Exclude<Dialect, 'auto'>;

export interface Capabilities {
  dialect: ConcreteDialect;
  /** Largest top-k of next-token log-probabilities the server returns. */
  maxTopK: number;
  /** Accepts `prompt: number[] | number[][]`. */
  tokenIdPrompts: boolean;
  /** Accepts several prompts in one request. */
  multiPrompt: boolean;
  /** Honours `n` samples per prompt (llama.cpp: up to its slot count, read from /props at run time). */
  n: boolean;
  /** How a given text is scored: echo + logprobs, vLLM's prompt_logprobs, SGLang's /generate input logprobs, or not at all. */
  scoring: 'echo' | 'prompt_logprobs' | 'generate' | 'none';
  /** SGLang: echo needs max_tokens > 0. */
  echoNeedsToken: boolean;
  /** Where text is tokenised. */
  tokenize: 'root' | 'v1' | 'llamacpp' | 'none';
  /** How token ids come back in logprobs ('generate': SGLang's native /generate, dialects/sglang.ts). */
  idsBack: 'token_id' | 'llamacpp' | 'generate' | 'none';
  /** Shape of `choices[].logprobs`. */
  logprobsShape: 'legacy' | 'llamacpp' | 'chat';
}

/** Token ids end to end need ids in prompts, ids back and a tokenizer; otherwise the model works on strings. */
export function usesTokenIds(c: Capabilities): boolean {
  return c.tokenIdPrompts && c.idsBack !== 'none' && c.tokenize !== 'none';
}

/** A call's options plus the prompt's prefix keys, which route it to the replica that served that prefix (affinity.ts). */
export type RequestOptions = CallOptions & { affinity?: readonly string[] };

/** What a dialect's session sees of the model it serves. */
export interface DialectContext {
  ep: Endpoint;
  cfg: ModelEndpoint;
  caps: Capabilities;
  /** The dialect's neutral sampling fields (ServerDialect.neutral), put on every /v1/completions request. */
  neutral: Readonly<Record<string, number>>;
  label: string;
  /** Adds a run warning (once per text). */
  warn(note: string): void;
}

/**
 * One generation request, already split to what the server takes (prompts per request, `n`).
 * `body` holds the OpenAI completions fields (temperature, max_tokens, logprobs, stop, echo, prompt_logprobs,
 * logprob_token_ids); a native route translates them.
 */
export interface GenerationAsk {
  /** Token ids, or texts when the model works on strings. */
  prompts: Array<number[] | string>;
  n: number;
  body: Record<string, unknown>;
  seed?: number;
  /** Top-k lists are parsed up front for this many positions, later ones when read. */
  topPositions: number;
  /** The lists are top-k lists (false: vLLM logprob_token_ids lists of given ids). */
  topK: boolean;
}

/** log p of each continuation token of a ScoreRequest item, and the next top-k when asked. */
export interface NativeScore {
  logprobs: number[];
  next?: ParsedTop[] | null;
}

/** A dialect bound to one model: per-model state (slot count, redraw count) lives here. */
export interface DialectSession {
  /** The route generation requests go to: errors about their answers name it. */
  readonly route: Route;
  /** Sends one generation request and reads its answer into validated choices (index = prompt · n + sample). */
  generate(ask: GenerationAsk, opts?: RequestOptions): Promise<ParsedChoice[]>;
  /** Most samples one request may carry; undefined: as many as asked. */
  samplesPerRequest?(opts?: CallOptions): Promise<number | undefined>;
  /** Token ids of a text where the server's tokenizer is not the vLLM-style one ({model, prompt}). */
  tokenize?(text: string, addSpecial: boolean, texts: TokenTexts, opts?: CallOptions): Promise<TokenId[]>;
  /** The EOS id as the server states it, without sampling (null: it does not say). */
  eosFromServer?(texts: TokenTexts, opts?: CallOptions): Promise<TokenId | null>;
  /** Scores given continuations by the server's own route (SGLang /generate input log-probabilities). */
  scoreNative?(req: ScoreRequest, opts?: RequestOptions): Promise<NativeScore[]>;
  /** Whether a choice that ended with finish "stop" ended by EOS, by the dialect's own signal (vLLM stop_reason, SGLang matched_stop). */
  endedByEos?(c: ParsedChoice, stop: readonly string[]): boolean;
  /** Next-token top-k is read from a draw at temperature 1, not a greedy one (llama-server fails on a lone-byte argmax). */
  readonly drawsForTopK?: boolean;
  /** Requests redrawn so far because the server failed on one sampled token. */
  redrawn?(): number;
}

export interface ServerDialect {
  readonly name: ConcreteDialect;
  /** What the server is documented to do; `auto` replaces this with what the probe measured. */
  readonly caps: Capabilities;
  /** Request fields that make the server sample from the model's own distribution (its defaults may truncate or penalise); sessions read them as DialectContext.neutral. */
  readonly neutral: Readonly<Record<string, number>>;
  /** How to raise the top-k limit, beyond lowering tqstar.decoding.topK. */
  readonly topKHint?: string;
  open(ctx: DialectContext): DialectSession;
  /**
   * After the generic probe measured `caps`: the dialect's own checks (llama.cpp's /props, SGLang's /generate),
   * possibly other capabilities, and what was found (for `tqstar probe`).
   */
  probe?(ep: Endpoint, caps: Capabilities, ids: number[] | undefined, opts: CallOptions): Promise<{ caps?: Capabilities; info: string[] } | undefined>;
}
