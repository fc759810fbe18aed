// How HttpLanguageModel scores given continuations: vLLM's logprob_token_ids on one generation request, echo or
// prompt_logprobs, a dialect's native route (SGLang /generate), or a lookup in the top-k after the prompt.
import { TqError } from '../core/errors';
import type { CallOptions, ScoreRequest, ScoreResult, Token, TokenId, TokenLogprob } from '../core/model';
import type { ParsedChoice, ParsedPosition, ParsedTop, TokenKey } from './answer';
import type { Capabilities } from './capabilities';
import type { DialectSession, RequestOptions } from './dialects/dialect';
import { promptLogprobsFor } from './parse';
import type { StringVocab } from './tokenTexts';
import { tokenLogprob } from './topList';

/** What the scorer uses of its model. */
export interface ScoringHost {
  readonly caps: Capabilities;
  readonly label: string;
  /** The generation route's URL (named by errors). */
  readonly url: string;
  readonly vocab?: StringVocab;
  readonly session: DialectSession;
  /** The setting that names the dialect ("tqstar.base.dialect"). */
  readonly dialectSetting: string;
  warn(note: string): void;
  /** The call's options, with the prompt's prefix keys where the endpoint routes by them (replica affinity). */
  routed(prompt: readonly number[] | string, opts?: CallOptions): RequestOptions | undefined;
  complete(prompts: TokenId[][], n: number, body: Record<string, unknown>, seed: number | undefined, opts?: CallOptions, topPositions?: number, topK?: boolean): Promise<ParsedChoice[][]>;
  nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]>;
  resolveKeys(keys: TokenKey[], opts?: CallOptions): Promise<void>;
  token(key: TokenKey): Token;
  isLocalEos(id: TokenId): boolean;
  capability(what: string, detail: string, setting?: string): TqError;
  protocol(url: string, detail: string): TqError;
  ignoredLogprobs(): TqError;
}

/** Every item is one token after the same prompt (compared by content: callers may pass copies). */
function onePromptOneToken(items: ScoreRequest['items']): boolean {
  const p = items[0]!.prompt;
  return items.every((it) => it.continuation.length === 1 && (it.prompt === p || (it.prompt.length === p.length && it.prompt.every((t, i) => t === p[i]))));
}

export class Scorer {
  constructor(
    private readonly m: ScoringHost,
    /** Ids per vLLM logprob_token_ids request; 0 once the server showed it does not honour the field (echo from then on). */
    public tailIds: number,
  ) {}

  async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (req.items.length === 0) return [];
    // One-token continuations of one prompt (TQ*'s candidates at s_t) on the tail only where the server can (vLLM
    // logprob_token_ids). A next top-k needs echo's extra position; a batch with other prompts or longer items is one
    // echo request, where splitting it would add requests (indirect scoring's one-token rollouts).
    if (this.tailIds > 0 && !req.nextTopK && onePromptOneToken(req.items)) return this.scoreTail(req, opts);
    return this.scoreEcho(req, opts);
  }

  /**
   * Every item one token after the same prompt: one generation request at the prompt (per 128 ids)
   * that lists the continuation ids in logprob_token_ids, whose first position holds their raw
   * log-probabilities (vLLM completion/serving.py @030ea52: _create_completion_logprobs renders
   * every entry when logprob_token_ids is set; "token_id:N" keys). A listed id missing from the
   * answer means the server ignored the field (vLLM before PR #43463 drops unknown fields): those
   * items are scored again by echo, never guessed, and this endpoint scores by echo for the rest of
   * the run, with one warning.
   */
  private async scoreTail(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    const prompt = req.items[0]!.prompt;
    const ids = [...new Set(req.items.map((it) => it.continuation[0]!))];
    const limit = this.tailIds;
    const chunks: number[][] = [];
    for (let a = 0; a < ids.length; a += limit) chunks.push(ids.slice(a, a + limit));
    const got = new Map<TokenId, number>();
    let why: string | undefined;
    for (const answer of await Promise.all(chunks.map((c) => this.tailLogprobs(prompt, c, opts)))) {
      if (typeof answer === 'string') why ??= answer;
      else for (const [id, lp] of answer) got.set(id, lp);
    }
    const out: Array<ScoreResult | undefined> = req.items.map((it) => {
      const lp = got.get(it.continuation[0]!);
      return lp === undefined ? undefined : { logprobs: [lp] };
    });
    const missing = req.items.map((_, i) => i).filter((i) => out[i] === undefined);
    if (missing.length) {
      this.tailIgnored(why ?? 'the answer lacks listed ids');
      const again = await this.scoreEcho({ ...req, items: missing.map((i) => req.items[i]!) }, opts);
      missing.forEach((i, j) => (out[i] = again[j]));
    }
    return out as ScoreResult[];
  }

  /** The listed ids' log-probabilities after `prompt` (only those the answer has), or why the server did not answer the field. */
  private async tailLogprobs(prompt: TokenId[], ids: TokenId[], opts?: CallOptions): Promise<Map<TokenId, number> | string> {
    // logprobs must be set (protocol.py check_logprobs) and is then dropped; frontends that keep it want it equal to the
    // id count (SamplingParams._validate_logprobs), which an older vLLM accepts up to its --max-logprobs.
    const body = { temperature: 0, max_tokens: 1, logprobs: ids.length <= this.m.caps.maxTopK ? ids.length : 1, logprob_token_ids: ids };
    let choices: ParsedChoice[][];
    try {
      choices = await this.m.complete([prompt], 1, body, undefined, opts, 1, false);
    } catch (e) {
      // A server that knows the field but refuses this use of it (a fork's lower limit): echo still works.
      if (e instanceof TqError && (e.status === 400 || e.status === 422) && e.message.includes('logprob_token_ids')) return `HTTP ${e.status}: ${e.message}`;
      if (e instanceof TqError && e.kind === 'protocol') throw new TqError('protocol', `${e.message} (in the answer to logprob_token_ids)`, { url: e.url ?? this.m.url, setting: this.m.dialectSetting });
      throw e;
    }
    const pos = choices[0]?.[0]?.positions[0];
    if (!pos) throw this.m.ignoredLogprobs();
    const out = new Map<TokenId, number>();
    for (const t of pos.top) if ('id' in t.key) out.set(t.key.id, t.logprob);
    return out;
  }

  private tailIgnored(why: string): void {
    if (this.tailIds === 0) return;
    this.tailIds = 0;
    this.m.warn(
      `${this.m.label}: the vLLM server did not answer logprob_token_ids (${why}; vLLM before PR #43463, 2026-07, ignores the field), so candidates outside the base's top-k are scored by echo for the rest of the run: O(prefix) bytes each, without the prefix cache.`,
    );
  }

  /** Echo or prompt_logprobs scoring (and the dialects that score otherwise or not at all). */
  private async scoreEcho(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    const { caps, vocab } = this.m;
    if (this.m.session.scoreNative) {
      const results = await this.m.session.scoreNative(req, this.m.routed(req.items[0]!.prompt, opts));
      if (req.nextTopK) {
        if (results.some((r) => r.next === null)) throw this.m.ignoredLogprobs();
        await this.m.resolveKeys(results.flatMap((r) => r.next?.map((t) => t.key) ?? []), opts);
      }
      return results.map((r) => this.scoreResult(r));
    }
    // Text mode can align an echo by token strings (SGLang), but not vLLM's prompt_logprobs, which are keyed by id.
    if (caps.scoring === 'none' || caps.scoring === 'generate' || (vocab && caps.scoring !== 'echo')) return this.scoreFromTopK(req, opts);
    // Text mode cannot send an EOS as text (the server would re-tokenise "</s>" as characters): its log-probability
    // is read from the top list after the rest, which then needs a generated position and the widest top-k.
    const eosEnd = req.items.map((it) => vocab !== undefined && it.continuation.length > 0 && this.m.isLocalEos(it.continuation[it.continuation.length - 1]!));
    const sent = req.items.map((it, i) => (eosEnd[i] ? it.continuation.slice(0, -1) : it.continuation));
    const anyEos = eosEnd.some(Boolean);
    const full = req.items.map((it, i) => [...it.prompt, ...sent[i]!]);
    const k = req.nextTopK ?? 0;
    const body: Record<string, unknown> =
      caps.scoring === 'echo'
        ? { temperature: 0, echo: true, max_tokens: k > 0 || caps.echoNeedsToken || anyEos ? 1 : 0, logprobs: Math.max(1, k, anyEos ? caps.maxTopK : 0) }
        : { temperature: 0, max_tokens: 1, prompt_logprobs: 0, ...(k > 0 ? { logprobs: k } : {}) };
    const choices = await this.m.complete(full, 1, body, undefined, opts);
    const results = req.items.map((it, i) => {
      const c = choices[i]![0]!;
      const P = it.prompt.length;
      const C = it.continuation.length;
      let logprobs: Array<number | null>;
      let nextPos: ParsedPosition | undefined;
      if (caps.scoring === 'echo' && vocab) {
        const aligned = this.alignEcho(c, sent[i]!, body.max_tokens as number);
        // A lone candidate token glued to the text may re-tokenise differently ("was" + "The"): look it up in the top-k after the prompt instead.
        if (!aligned && sent[i]!.length === 1 && !eosEnd[i]) return { lookup: true as const, logprobs: [] as number[], next: undefined };
        if (!aligned) throw this.drift(c, sent[i]!, body.max_tokens as number);
        [logprobs, nextPos] = aligned;
        if (eosEnd[i]) {
          logprobs.push(this.eosFromTop(nextPos, it.continuation[it.continuation.length - 1]!));
          // Nothing follows an EOS: the caller reads no next state there.
          return { logprobs: logprobs as number[], next: k > 0 ? [] : undefined };
        }
      } else if (caps.scoring === 'echo') {
        if (c.positions.length < P + C) throw this.m.capability('scoring (echo + logprobs)', `echoed ${c.positions.length} of ${P + C} prompt positions`);
        logprobs = c.positions.slice(P, P + C).map((p) => p.logprob);
        nextPos = c.positions[P + C];
      } else {
        const pl = promptLogprobsFor(c.raw, full[i]!, this.m.url);
        if (pl.length < P + C) throw this.m.capability('scoring (prompt_logprobs)', 'no prompt_logprobs in the answer');
        logprobs = pl.slice(P, P + C);
        nextPos = c.positions[0];
      }
      if (logprobs.some((x) => x === null)) throw this.m.protocol(this.m.url, 'a scored position has no log-probability');
      return { logprobs: logprobs as number[], next: k > 0 ? (nextPos?.top.slice(0, k) ?? null) : undefined };
    });
    if (k > 0) {
      if (results.some((r) => r.next === null && !('lookup' in r))) throw this.m.ignoredLogprobs();
      await this.m.resolveKeys(results.flatMap((r) => r.next?.map((t) => t.key) ?? []), opts);
    }
    const lookups = req.items.filter((_, i) => 'lookup' in results[i]!);
    const fallback = lookups.length ? await this.scoreFromTopK({ items: lookups, ...(k > 0 ? { nextTopK: k } : {}) }, opts) : [];
    let j = 0;
    return results.map((r) => ('lookup' in r ? fallback[j++]! : this.scoreResult(r)));
  }

  private scoreResult(r: { logprobs: number[]; next?: ParsedTop[] | null }): ScoreResult {
    return r.next ? { logprobs: r.logprobs, next: r.next.map((t) => tokenLogprob(this.m.token(t.key), t)) } : { logprobs: r.logprobs };
  }

  /**
   * Text mode (SGLang): the server re-tokenised prompt + continuation, so the continuation is found as the
   * last prompt positions before the `generated` new ones, and must split into the same token strings;
   * otherwise that is re-tokenisation drift, an error rather than a wrong log-probability.
   */
  private alignEcho(c: ParsedChoice, continuation: TokenId[], generated: number): [Array<number | null>, ParsedPosition | undefined] | null {
    const end = c.positions.length - generated;
    const want = continuation.map((id) => this.m.vocab!.text(id));
    const span = end - want.length >= 0 ? c.positions.slice(end - want.length, end) : [];
    const got = span.map((p) => ('str' in p.key ? p.key.str : undefined));
    if (span.length !== want.length || got.some((g, j) => g !== want[j])) return null;
    return [span.map((p) => p.logprob), c.positions[end]];
  }

  private drift(c: ParsedChoice, continuation: TokenId[], generated: number): TqError {
    const end = c.positions.length - generated;
    const want = continuation.map((id) => this.m.vocab!.text(id));
    const got = c.positions.slice(Math.max(0, end - want.length), end).map((p) => ('str' in p.key ? p.key.str : undefined));
    return new TqError(
      'capability',
      `${this.m.url}: re-tokenisation drift: the ${this.m.caps.dialect} server split the scored text as ${JSON.stringify(got)}, not as the candidate tokens ${JSON.stringify(want)}. Token ids end to end need vLLM; or set tqstar.decoding.proposer to "base" and avoid indirect transfer with implicit weights.`,
      { url: this.m.url, setting: 'tqstar.decoding.proposer' },
    );
  }

  private eosFromTop(pos: ParsedPosition | undefined, eosLocal: TokenId): number {
    const text = this.m.vocab!.text(eosLocal);
    const hit = pos?.top.find((t) => 'str' in t.key && t.key.str === text);
    if (!hit)
      throw new TqError(
        'capability',
        `${this.m.url}: the ${this.m.caps.dialect} server answers in token texts, so an end of sequence can only be scored from its top-${this.m.caps.maxTopK}, and ${JSON.stringify(text)} is not among them. Set tqstar.decoding.proposer to "base", or serve the base model with vLLM.`,
        { url: this.m.url, setting: 'tqstar.decoding.proposer' },
      );
    return hit.logprob;
  }

  /**
   * Servers without prompt log-probabilities (llama.cpp, Ollama, hosted OpenAI) can still give
   * log p of ONE token: look it up in the top-k after the prompt. Anything else is a capability error.
   */
  private async scoreFromTopK(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (req.items.some((it) => it.continuation.length > 1))
      throw this.m.capability('scoring a text (prompt log-probabilities)', 'indirect transfer with implicit weights needs it', 'tqstar.decoding.transfer');
    const k = this.m.caps.maxTopK;
    const needLookup = req.items.filter((it) => it.continuation.length === 1);
    const [tops, nexts] = await Promise.all([
      needLookup.length ? this.m.nextTokens(needLookup.map((it) => it.prompt), k, opts) : Promise.resolve([]),
      req.nextTopK ? this.m.nextTokens(req.items.map((it) => [...it.prompt, ...it.continuation]), req.nextTopK, opts) : Promise.resolve(undefined),
    ]);
    let j = 0;
    return req.items.map((it, i) => {
      const logprobs: number[] = [];
      if (it.continuation.length === 1) {
        const hit = tops[j++]!.find((t) => t.id === it.continuation[0]);
        if (!hit)
          throw new TqError(
            'capability',
            `${this.m.url}: the ${this.m.caps.dialect} server cannot score a token outside its own top-${k}, and a candidate proposed by the baseline is not among them. Set tqstar.decoding.proposer to "base", or serve the base model with vLLM.`,
            { url: this.m.url, setting: 'tqstar.decoding.proposer' },
          );
        logprobs.push(hit.logprob);
      }
      return nexts ? { logprobs, next: nexts[i]! } : { logprobs };
    });
  }
}
