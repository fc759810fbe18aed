// The decoder's view of the outside world: batched language-model and reward interfaces.
// Every method takes a whole step's work in one call, so that a backend can send one
// request per call. Token ids are first-class; texts are for display and reward input.

export type TokenId = number;

/** A vocabulary entry: its id, and its text (for display and for building reward inputs). */
export interface Token {
  id: TokenId;
  text: string;
}

/** A token with its log-probability under the model that produced or scored it. */
export interface TokenLogprob extends Token {
  logprob: number;
  /** Text-only servers: this many entries of the server's top-k had this text and were merged (log of the summed probabilities). */
  merged?: number;
  /** The server sent this small positive value (a rounding), read as log-probability 0. */
  rounded?: number;
}

/** One generated token, with the model's top alternatives at that position when asked for. */
export interface SampledToken extends TokenLogprob {
  /** Top-k alternatives at this position (the distribution the token was drawn from), when `topLogprobs` was set. */
  top?: TokenLogprob[];
}

export type FinishReason = 'eos' | 'stop' | 'length';

/** One sampled continuation of a prompt. */
export interface Completion {
  /** Generated tokens, without the terminating EOS token. */
  tokens: SampledToken[];
  /** The continuation as text, as the server decoded it (authoritative over joining token texts). */
  text: string;
  finish: FinishReason;
  /** log-probability of the EOS token that ended the sample, when finish is 'eos' and the server reports it. */
  eosLogprob?: number;
  /** Top-k alternatives at the position where EOS was sampled (when `topLogprobs` was set and the server reports it). */
  eosTop?: TokenLogprob[];
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Called once per HTTP request the call makes, retries and follow-up requests included (the meter counts them). */
  onRequest?: () => void;
}

export interface SampleRequest {
  /** Token-id prompts; each is sampled `n` times. */
  prompts: TokenId[][];
  n: number;
  temperature: number;
  maxTokens: number;
  stop?: string[];
  seed?: number;
  /** Ask for the top-k alternatives at every generated position (0 or absent: none). */
  topLogprobs?: number;
  /**
   * With `topLogprobs`: the top-k is wanted only at the first P generated positions (the EOS
   * position counts as a position); a backend may leave `top`/`eosTop` unset beyond them and skip
   * building and resolving those lists. Absent: every position. Servers still send them all (vLLM
   * cannot be asked for fewer positions), so this saves the client's parsing, not bandwidth.
   * Setting it also lets a backend hand lists over lazily: a list whose token texts are still being
   * fetched (or, beyond P, were never fetched) is built when first read, and left unset if they are
   * not known by then — never guessed. A caller must treat a missing list as "not reported".
   */
  topLogprobsPositions?: number;
  /**
   * Every prompt begins with the same first `sharedPrefix` ids (the decoder's state s_t): a backend
   * may serialise them once, and a server with a prefix cache computes them once. A hint only:
   * the prompts are complete either way.
   */
  sharedPrefix?: number;
}

export interface ScoreItem {
  prompt: TokenId[];
  /** Tokens whose log-probabilities are wanted, each given everything before it. May be empty. */
  continuation: TokenId[];
}

export interface ScoreRequest {
  items: ScoreItem[];
  /** Also return the model's top-k next tokens after prompt+continuation (0 or absent: none). */
  nextTopK?: number;
  /** Every item's prompt begins with the same first `sharedPrefix` ids (a hint, as in SampleRequest). */
  sharedPrefix?: number;
}

export interface ScoreResult {
  /** log p(continuation[i] | prompt, continuation[<i]) for each i. */
  logprobs: number[];
  /** Top-k next tokens after prompt+continuation, most likely first, when nextTopK was set. */
  next?: TokenLogprob[];
}

/** A token-level language model behind one endpoint (or an in-process table). */
export interface LanguageModel {
  /** Human-readable identity for diagnostics and errors, e.g. "http://host:8000/v1 (model-name)". */
  readonly label: string;
  /** The end-of-sequence token id, or null when unknown (then only 'stop'/'length' end a response). */
  readonly eosId: TokenId | null;
  /** Top-k next-token candidates with log-probabilities for each prompt, most likely first. */
  nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]>;
  /** `n` sampled continuations for each prompt: result[promptIndex][sampleIndex]. */
  sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]>;
  /** Log-probabilities of given continuations after given prompts. */
  score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]>;
  /** Text → token ids (used once per run for the prompt). */
  encode(text: string, opts?: CallOptions): Promise<TokenId[]>;
  /** Warnings that the decoder must carry into diagnostics (e.g. "string prompts: re-tokenisation may drift"). */
  readonly warnings?: readonly string[];
  /** True when every HTTP request is reported through CallOptions.onRequest: the meter then counts exactly those. */
  readonly countsRequests?: boolean;
  /**
   * Scoring one-token continuations that share one prompt costs one request of O(k) bytes that a
   * prefix cache serves (vLLM's logprob_token_ids), not O(prompt) per item: the decoder then scores
   * all candidates in that request instead of looking up the base's top-k first. May turn false mid-run.
   */
  readonly cheapTokenScoring?: boolean;
}

export interface RewardPair {
  prompt: string;
  response: string;
}

/** Anything that scores (prompt, response) pairs. */
export interface RewardSource {
  readonly label: string;
  /** As LanguageModel.countsRequests. */
  readonly countsRequests?: boolean;
  /** One finite score per pair, in order; a missing or non-finite score must throw, never become 0. */
  score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]>;
}
