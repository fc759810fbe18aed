// What every dialect's answer becomes once read: choices of positions, each a token, its log-probability and its top-k.
// (The shapes only; reading them is parse.ts and the dialect modules, checking them validate.ts.)

/** A token as the server named it: by id when it gave ids, else by its string. */
export type TokenKey = { id: number; text?: string } | { str: string };

export interface ParsedTop {
  key: TokenKey;
  logprob: number;
  /** Entries of the server's list that named this same token text and were merged into this one (topList.ts). */
  merged?: number;
  /** The server's value when it was a rounding above 0 (≤ LOGPROB_ROUNDING) read as 0. */
  rounded?: number;
}

export interface ParsedPosition {
  key: TokenKey;
  logprob: number | null;
  /** Alternatives at this position, most likely first (empty beyond the parsed positions: see `lazyTop`). */
  top: ParsedTop[];
  /** Beyond the first `topPositions` positions: the alternatives, parsed when called. */
  lazyTop?: () => ParsedTop[];
  /** Start of this token in the choice text, in UTF-16 units (legacy shape only). */
  offset?: number;
}

export interface ParsedChoice {
  index: number;
  text: string;
  /** 'stop' or 'length' once validated (validate.ts finishOf); null where the answer is read for scoring only. */
  finishReason: string | null;
  /** vLLM: the stop string or stop token id that ended it; null when EOS (or length) did. */
  stopReason: unknown;
  positions: ParsedPosition[];
  /** The choice as sent, for fields only one dialect has (vLLM prompt_logprobs). */
  raw: Record<string, unknown>;
}
