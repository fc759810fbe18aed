// A LanguageModel behind an OpenAI-compatible /v1/completions server, per dialect capability set.
import type { ModelEndpoint } from '../config/schema';
import { TqError } from '../core/errors';
import type { CallOptions, Completion, LanguageModel, SampleRequest, SampledToken, ScoreItem, ScoreRequest, ScoreResult, Token, TokenId, TokenLogprob } from '../core/model';
import { logprobTokenIdsLimit, usesTokenIds, type Capabilities } from './capabilities';
import type { Endpoint } from './endpoint';
import { parseCompletionBody } from './leanJson';
import { parseCompletion, promptLogprobsFor, type ParsedChoice, type ParsedPosition, type ParsedTop, type TokenKey } from './parse';
import { isSampledTokenFailure } from './retry';
import { greedyCopies, neutralSampling } from './sampler';
import { ollamaGenerate } from './ollamaNative';
import { asCompletion as asGenerateCompletion, generateBody } from './sglangNative';
import { llamacppProps, type LlamacppProps } from './serverInfo';
import { applyPromptTemplate, templateHasBos } from './templates';
import { tokenLogprob } from './topList';
import { looksLikeEos, StringVocab, TokenTexts } from './tokenTexts';

// One interning table for every text-only model in the process: base and baseline must agree on
// what a local id means, since the decoder passes ids from one model's answers to the other.
const SHARED_STRINGS = new StringVocab();
// EOS ids learned from a server, so that later runs in the same process need no probe sample.
const KNOWN_EOS = new Map<string, TokenId>();

/** Every item is one token after the same prompt (compared by content: callers may pass copies). */
function onePromptOneToken(items: readonly ScoreItem[]): boolean {
  const p = items[0]!.prompt;
  return items.every((it) => it.continuation.length === 1 && (it.prompt === p || (it.prompt.length === p.length && it.prompt.every((t, i) => t === p[i]))));
}

export class HttpLanguageModel implements LanguageModel {
  readonly label: string;
  readonly warnings: string[] = [];
  /** Every HTTP request goes through the endpoint with the caller's onRequest: the run counts exactly those. */
  readonly countsRequests = true;
  readonly caps: Capabilities;
  private eos: TokenId | null;
  private readonly eosKey: string;
  private readonly texts: TokenTexts;
  /** Set when the server takes strings only: ids are local and prompts travel as text. */
  private readonly vocab?: StringVocab;
  /** llama-server's GET /props, read once (slots bound `n`; eos_token names EOS). */
  private props?: Promise<LlamacppProps | null>;
  /** Requests redrawn because the server failed on one sampled token (see sendResampling). */
  private resampled = 0;
  /** Ids per vLLM logprob_token_ids request; 0 once the server showed it does not honour the field (echo from then on). */
  private tailIds: number;

  constructor(
    private readonly ep: Endpoint,
    private readonly cfg: ModelEndpoint,
    caps: Capabilities,
  ) {
    this.caps = caps;
    this.label = `${ep.baseUrl} (${cfg.model})`;
    this.eosKey = `${ep.rootUrl}|${cfg.model}|${caps.idsBack}`;
    this.eos = cfg.eosTokenId ?? KNOWN_EOS.get(this.eosKey) ?? null;
    this.texts = new TokenTexts(ep, cfg.model, caps);
    this.tailIds = logprobTokenIdsLimit(caps);
    if (!usesTokenIds(caps)) {
      this.vocab = SHARED_STRINGS;
      this.warnings.push(
        `${this.label}: the ${caps.dialect} server ${caps.tokenIdPrompts && caps.idsBack === 'none' ? 'answers with token texts, not ids, so prompts travel as text' : 'takes text prompts only'}: each step's text is re-tokenised by the server and may split differently from the tokens shown (re-tokenisation drift); candidate log-probabilities are per server token string.`,
      );
    }
  }

  get eosId(): TokenId | null {
    return this.eos;
  }

  /** LanguageModel.cheapTokenScoring: true while the server honours vLLM's logprob_token_ids (see scoreTail). */
  get cheapTokenScoring(): boolean {
    return this.tailIds > 0;
  }

  private get setting(): string {
    return this.ep.settingPrefix;
  }
  private get completionsUrl(): string {
    return this.ep.urlOf({ v1: '/completions' });
  }

  async encode(text: string, opts?: CallOptions): Promise<TokenId[]> {
    const templated = applyPromptTemplate(this.cfg.promptTemplate, text);
    if (this.vocab) return [this.vocab.intern(templated)];
    const addSpecial = !templateHasBos(this.cfg.promptTemplate);
    if (this.caps.tokenize === 'llamacpp') {
      const body = await this.ep.request<{ tokens?: unknown[] }>({ root: '/tokenize' }, { content: templated, add_special: addSpecial, with_pieces: true }, opts);
      if (!Array.isArray(body?.tokens)) throw this.protocol('/tokenize', 'no "tokens" array');
      return body.tokens.map((t) => {
        if (typeof t === 'number') return t;
        const o = t as { id: number; piece?: unknown };
        if (typeof o.piece === 'string') this.texts.set(o.id, o.piece);
        return o.id;
      });
    }
    const route = this.caps.tokenize === 'v1' ? { v1: '/tokenize' } : { root: '/tokenize' };
    const body = await this.ep.request<{ tokens?: unknown }>(route, { model: this.cfg.model, prompt: templated, add_special_tokens: addSpecial }, opts);
    if (!Array.isArray(body?.tokens) || !body.tokens.every((t) => typeof t === 'number')) throw this.protocol(this.ep.urlOf(route), 'no "tokens" id array in the /tokenize answer');
    return body.tokens as number[];
  }

  async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
    this.needTopK(k);
    // llama-server fails the request when the greedy token alone is not valid UTF-8 (see sendResampling), and only
    // the top-k at the first position is read here, which does not depend on the token drawn: draw at
    // temperature 1 (seeded, redrawn on that failure) so a byte-fallback argmax cannot fail every step.
    // A drawn token that is the first byte of an unfinished UTF-8 character is held back with its logprobs
    // (the answer is text "�", logprobs null): that draw is redrawn too.
    const drawn = this.caps.dialect === 'llamacpp';
    const body = { temperature: drawn ? 1 : 0, max_tokens: 1, logprobs: k };
    let choices = await this.complete(prompts, 1, body, drawn ? 0 : undefined, opts);
    for (let seed = 1; drawn && seed < 8 && choices.some((cs) => !cs[0]?.positions[0]); seed++) {
      const missing = prompts.map((_, i) => i).filter((i) => !choices[i]![0]?.positions[0]);
      const again = await this.complete(missing.map((i) => prompts[i]!), 1, body, seed * 7919, opts);
      choices = choices.slice();
      missing.forEach((i, j) => (choices[i] = again[j]!));
    }
    const firstTops = choices.map((cs) => {
      const pos = cs[0]?.positions[0];
      if (!pos) throw this.ignoredLogprobs();
      return pos.top.slice(0, k);
    });
    await this.resolveKeys(firstTops.flat().map((t) => t.key), opts);
    const out = firstTops.map((tops) => tops.map((t) => tokenLogprob(this.token(t.key), t)));
    if (this.eos === null && this.vocab) for (const t of out.flat()) if (looksLikeEos(t.text)) this.learned(t.id);
    return out;
  }

  async sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]> {
    const top = req.topLogprobs ?? 0;
    if (top > 0) this.needTopK(top);
    // logprobs ≥ 1 so that every sampled token's own log-probability comes back (indirect weights need it).
    const body: Record<string, unknown> = { temperature: req.temperature, max_tokens: req.maxTokens, logprobs: Math.max(1, top) };
    if (req.stop?.length) body.stop = req.stop;
    // Top-k lists beyond the positions the caller reads are parsed and built only if read (see lazyTop).
    const topPositions = top > 0 ? Math.max(0, req.topLogprobsPositions ?? Infinity) : 0;
    const { nAsked, copies } = greedyCopies(req.temperature, req.n);
    const asked = await this.complete(req.prompts, nAsked, body, req.seed, opts, topPositions);
    const choices = copies === 1 ? asked : asked.map((cs) => Array.from({ length: copies }, (_, j) => ({ ...cs[0]!, index: j })));
    const keys: TokenKey[] = [];
    const topKeys: TokenKey[] = [];
    for (const cs of choices)
      for (const c of cs)
        for (const p of c.positions) {
          keys.push(p.key);
          for (const t of p.top.slice(0, top)) topKeys.push(t.key);
        }
    for (const c of choices.flat()) this.learnEosFrom(c, req.stop ?? []);
    this.inferTexts(choices.flat());
    // A caller that bounds the positions it reads takes lists lazily: the alternatives' texts matter to the
    // decoder only once a list becomes the next state's candidates, after this step's rewards, so they
    // are fetched beside the reward request instead of before returning. Other callers get them resolved.
    const lazy = req.topLogprobsPositions !== undefined;
    await this.resolveKeys(lazy ? keys : keys.concat(topKeys), opts);
    if (lazy) this.prefetchTexts(topKeys, opts);
    return choices.map((cs) => cs.map((c) => this.completion(c, top, req.stop ?? [], topPositions)));
  }

  /** Starts fetching unknown texts without waiting; a failure only leaves those lists unset (see lazyTop). */
  private prefetchTexts(keys: TokenKey[], opts?: CallOptions): void {
    if (this.vocab) return;
    const ids: number[] = [];
    for (const k of keys) {
      if (!('id' in k)) continue;
      if (k.text !== undefined) this.texts.set(k.id, k.text);
      else if (this.texts.get(k.id) === undefined) ids.push(k.id);
    }
    if (!ids.length) return;
    this.texts.resolve(ids, opts?.signal, opts?.onRequest).then(
      () => {
        if (this.eos === null) for (const id of ids) if (looksLikeEos(this.texts.get(id) ?? '')) this.learned(id);
      },
      () => undefined,
    );
  }

  async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (req.items.length === 0) return [];
    if (req.nextTopK) this.needTopK(req.nextTopK);
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
    const body = { temperature: 0, max_tokens: 1, logprobs: ids.length <= this.caps.maxTopK ? ids.length : 1, logprob_token_ids: ids };
    let choices: ParsedChoice[][];
    try {
      choices = await this.complete([prompt], 1, body, undefined, opts, 1);
    } catch (e) {
      // A server that knows the field but refuses this use of it (a fork's lower limit): echo still works.
      if (e instanceof TqError && (e.status === 400 || e.status === 422) && e.message.includes('logprob_token_ids')) return `HTTP ${e.status}: ${e.message}`;
      if (e instanceof TqError && e.kind === 'protocol') throw new TqError('protocol', `${e.message} (in the answer to logprob_token_ids)`, { url: e.url ?? this.completionsUrl, setting: `${this.setting}.dialect` });
      throw e;
    }
    const pos = choices[0]?.[0]?.positions[0];
    if (!pos) throw this.ignoredLogprobs();
    const out = new Map<TokenId, number>();
    for (const t of pos.top) if ('id' in t.key) out.set(t.key.id, t.logprob);
    return out;
  }

  private tailIgnored(why: string): void {
    if (this.tailIds === 0) return;
    this.tailIds = 0;
    this.warnings.push(
      `${this.label}: the vLLM server did not answer logprob_token_ids (${why}; vLLM before PR #43463, 2026-07, ignores the field), so candidates outside the base's top-k are scored by echo for the rest of the run: O(prefix) bytes each, without the prefix cache.`,
    );
  }

  /** Echo or prompt_logprobs scoring (and the dialects that score otherwise or not at all). */
  private async scoreEcho(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (this.caps.scoring === 'generate') return this.scoreGenerate(req, opts);
    // Text mode can align an echo by token strings (SGLang), but not vLLM's prompt_logprobs, which are keyed by id.
    if (this.caps.scoring === 'none' || (this.vocab && this.caps.scoring !== 'echo')) return this.scoreFromTopK(req, opts);
    // Text mode cannot send an EOS as text (the server would re-tokenise "</s>" as characters): its log-probability
    // is read from the top list after the rest, which then needs a generated position and the widest top-k.
    const eosEnd = req.items.map((it) => this.vocab !== undefined && it.continuation.length > 0 && this.isLocalEos(it.continuation[it.continuation.length - 1]!));
    const sent = req.items.map((it, i) => (eosEnd[i] ? it.continuation.slice(0, -1) : it.continuation));
    const anyEos = eosEnd.some(Boolean);
    const full = req.items.map((it, i) => [...it.prompt, ...sent[i]!]);
    const k = req.nextTopK ?? 0;
    const body: Record<string, unknown> =
      this.caps.scoring === 'echo'
        ? { temperature: 0, echo: true, max_tokens: k > 0 || this.caps.echoNeedsToken || anyEos ? 1 : 0, logprobs: Math.max(1, k, anyEos ? this.caps.maxTopK : 0) }
        : { temperature: 0, max_tokens: 1, prompt_logprobs: 0, ...(k > 0 ? { logprobs: k } : {}) };
    const choices = await this.complete(full, 1, body, undefined, opts);
    const results = req.items.map((it, i) => {
      const c = choices[i]![0]!;
      const P = it.prompt.length;
      const C = it.continuation.length;
      let logprobs: Array<number | null>;
      let nextPos: ParsedPosition | undefined;
      if (this.caps.scoring === 'echo' && this.vocab) {
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
      } else if (this.caps.scoring === 'echo') {
        if (c.positions.length < P + C) throw this.capability('scoring (echo + logprobs)', `echoed ${c.positions.length} of ${P + C} prompt positions`);
        logprobs = c.positions.slice(P, P + C).map((p) => p.logprob);
        nextPos = c.positions[P + C];
      } else {
        const pl = promptLogprobsFor(c.raw, full[i]!, this.completionsUrl);
        if (pl.length < P + C) throw this.capability('scoring (prompt_logprobs)', 'no prompt_logprobs in the answer');
        logprobs = pl.slice(P, P + C);
        nextPos = c.positions[0];
      }
      if (logprobs.some((x) => x === null)) throw this.protocol(this.completionsUrl, 'a scored position has no log-probability');
      return { logprobs: logprobs as number[], next: k > 0 ? (nextPos?.top.slice(0, k) ?? null) : undefined };
    });
    if (k > 0) {
      if (results.some((r) => r.next === null && !('lookup' in r))) throw this.ignoredLogprobs();
      await this.resolveKeys(results.flatMap((r) => r.next?.map((t) => t.key) ?? []), opts);
    }
    const lookups = req.items.filter((_, i) => 'lookup' in results[i]!);
    const fallback = lookups.length ? await this.scoreFromTopK({ items: lookups, ...(k > 0 ? { nextTopK: k } : {}) }, opts) : [];
    let j = 0;
    return results.map((r) => ('lookup' in r ? fallback[j++]! : this.scoreResult(r)));
  }

  private scoreResult(r: { logprobs: number[]; next?: ParsedTop[] | null }): ScoreResult {
    return r.next ? { logprobs: r.logprobs, next: r.next.map((t) => tokenLogprob(this.token(t.key), t)) } : { logprobs: r.logprobs };
  }

  /**
   * Text mode (SGLang): the server re-tokenised prompt + continuation, so the continuation is found as the
   * last prompt positions before the `generated` new ones, and must split into the same token strings;
   * otherwise that is re-tokenisation drift, an error rather than a wrong log-probability.
   */
  private alignEcho(c: ParsedChoice, continuation: TokenId[], generated: number): [Array<number | null>, ParsedPosition | undefined] | null {
    const end = c.positions.length - generated;
    const want = continuation.map((id) => this.vocab!.text(id));
    const span = end - want.length >= 0 ? c.positions.slice(end - want.length, end) : [];
    const got = span.map((p) => ('str' in p.key ? p.key.str : undefined));
    if (span.length !== want.length || got.some((g, j) => g !== want[j])) return null;
    return [span.map((p) => p.logprob), c.positions[end]];
  }

  private drift(c: ParsedChoice, continuation: TokenId[], generated: number): TqError {
    const end = c.positions.length - generated;
    const want = continuation.map((id) => this.vocab!.text(id));
    const got = c.positions.slice(Math.max(0, end - want.length), end).map((p) => ('str' in p.key ? p.key.str : undefined));
    return new TqError(
        'capability',
        `${this.completionsUrl}: re-tokenisation drift: the ${this.caps.dialect} server split the scored text as ${JSON.stringify(got)}, not as the candidate tokens ${JSON.stringify(want)}. Token ids end to end need vLLM; or set tqstar.decoding.proposer to "base" and avoid indirect transfer with implicit weights.`,
      { url: this.completionsUrl, setting: 'tqstar.decoding.proposer' },
    );
  }

  private isLocalEos(id: TokenId): boolean {
    return (this.eos !== null && id === this.eos) || looksLikeEos(this.vocab!.text(id));
  }

  private eosFromTop(pos: ParsedPosition | undefined, eosLocal: TokenId): number {
    const text = this.vocab!.text(eosLocal);
    const hit = pos?.top.find((t) => 'str' in t.key && t.key.str === text);
    if (!hit)
      throw new TqError(
        'capability',
        `${this.completionsUrl}: the ${this.caps.dialect} server answers in token texts, so an end of sequence can only be scored from its top-${this.caps.maxTopK}, and ${JSON.stringify(text)} is not among them. Set tqstar.decoding.proposer to "base", or serve the base model with vLLM.`,
        { url: this.completionsUrl, setting: 'tqstar.decoding.proposer' },
      );
    return hit.logprob;
  }

  /**
   * Servers without prompt log-probabilities (llama.cpp, Ollama, hosted OpenAI) can still give
   * log p of ONE token: look it up in the top-k after the prompt. Anything else is a capability error.
   */
  private async scoreFromTopK(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (req.items.some((it) => it.continuation.length > 1))
      throw this.capability('scoring a text (prompt log-probabilities)', 'indirect transfer with implicit weights needs it', 'tqstar.decoding.transfer');
    const k = this.caps.maxTopK;
    const needLookup = req.items.filter((it) => it.continuation.length === 1);
    const [tops, nexts] = await Promise.all([
      needLookup.length ? this.nextTokens(needLookup.map((it) => it.prompt), k, opts) : Promise.resolve([]),
      req.nextTopK ? this.nextTokens(req.items.map((it) => [...it.prompt, ...it.continuation]), req.nextTopK, opts) : Promise.resolve(undefined),
    ]);
    let j = 0;
    return req.items.map((it, i) => {
      const logprobs: number[] = [];
      if (it.continuation.length === 1) {
        const hit = tops[j++]!.find((t) => t.id === it.continuation[0]);
        if (!hit)
          throw new TqError(
            'capability',
            `${this.completionsUrl}: the ${this.caps.dialect} server cannot score a token outside its own top-${k}, and a candidate proposed by the baseline is not among them. Set tqstar.decoding.proposer to "base", or serve the base model with vLLM.`,
            { url: this.completionsUrl, setting: 'tqstar.decoding.proposer' },
          );
        logprobs.push(hit.logprob);
      }
      return nexts ? { logprobs, next: nexts[i]! } : { logprobs };
    });
  }

  /**
   * One request when the server takes several prompts and `n`; otherwise as many concurrent requests
   * as it needs (each sample gets its own seed so that split requests do not repeat each other).
   * Returns choices[promptIndex][sampleIndex].
   */
  private async complete(prompts: TokenId[][], n: number, extra: Record<string, unknown>, seed: number | undefined, opts?: CallOptions, topPositions = Infinity): Promise<ParsedChoice[][]> {
    // Sampling fields neutral on every request: a server default left on (vLLM's generation_config top_k,
    // llama-server's top_k 40 / min_p 0.05) would draw rollouts from another distribution than the raw logprobs.
    const base: Record<string, unknown> = { model: this.cfg.model, ...neutralSampling(this.caps.dialect), ...extra };
    if (this.caps.idsBack === 'token_id') base.return_tokens_as_token_ids = true;
    const wire = prompts.map((p) => (this.vocab ? p.map((id) => this.vocab!.text(id)).join('') : p));
    const send = async (ps: typeof wire, nPer: number, s: number | undefined): Promise<ParsedChoice[]> => {
      const body = { ...base, prompt: ps.length === 1 && this.vocab ? ps[0] : ps, n: nPer };
      if (this.caps.dialect === 'ollama') return this.sendOllama(body, s, topPositions, opts);
      if (this.caps.idsBack === 'generate') return this.sendGenerate(ps as number[][], nPer, extra, topPositions, opts);
      try {
        const answer = await this.sendResampling(body, s, (extra.temperature as number) > 0, opts);
        return parseCompletion(answer, this.caps, this.completionsUrl, nPer, topPositions);
      } catch (e) {
        throw this.explain(e);
      }
    };
    if (prompts.length === 0) return [];
    const out: ParsedChoice[][] = prompts.map(() => []);
    const place = (choices: ParsedChoice[], promptOffset: number, nPer: number, sampleOffset: number) => {
      for (const c of choices) {
        const p = promptOffset + Math.floor(c.index / nPer);
        if (!out[p]) throw this.protocol(this.completionsUrl, `choice index ${c.index} out of range`);
        out[p]!.push({ ...c, index: sampleOffset + (c.index % nPer) });
      }
    };
    // llama-server takes n only up to its slot count (n_cmpl's hard limit in server-schema.cpp): a request per
    // `slots` samples, every prompt in each, instead of one request per sample.
    const maxN = this.caps.n ? ((await this.slots(opts)) ?? Infinity) : 1;
    const nPer = Math.min(n, maxN);
    const splits = Math.ceil(n / nPer);
    const jobs: Promise<void>[] = [];
    for (let j = 0; j < splits; j++) {
      const nHere = Math.min(nPer, n - j * nPer);
      // llama-server seeds the k-th extra sample of a request with seed + k (server-task.h add_child): step by nPer.
      const s = seed === undefined ? undefined : seed + j * nPer;
      if (this.caps.multiPrompt) jobs.push(send(wire, nHere, s).then((cs) => place(cs, 0, nHere, j * nPer)));
      else wire.forEach((w, i) => jobs.push(send([w], nHere, s).then((cs) => place(cs, i, nHere, j * nPer))));
    }
    await Promise.all(jobs);
    for (const cs of out) {
      cs.sort((a, b) => a.index - b.index);
      if (cs.length !== n) throw this.protocol(this.completionsUrl, `expected ${n} choice(s) per prompt, got ${cs.length}`);
    }
    return out;
  }

  private llamacppProps(opts?: CallOptions): Promise<LlamacppProps | null> {
    this.props ??= llamacppProps(this.ep, opts?.signal, opts?.onRequest).catch((e) => {
      this.props = undefined;
      throw e;
    });
    return this.props;
  }

  /** Most samples one request may ask for: llama-server's slot count (1 when it does not say), else unbounded. */
  private async slots(opts?: CallOptions): Promise<number | undefined> {
    if (this.caps.dialect !== 'llamacpp') return undefined;
    return (await this.llamacppProps(opts))?.slots ?? 1;
  }

  /**
   * One completion request. llama-server answers HTTP 500 "The model produced output that does not match the
   * expected … format" (common/chat.cpp common_chat_parse, 80fb11ac) when a sampled token is a lone UTF-8 byte;
   * the identical seeded request fails the same way, so it is redrawn with another seed (at most 8 times),
   * and the diagnostics say so: the answers kept are those without such a token.
   */
  private async sendResampling(body: Record<string, unknown>, seed: number | undefined, sampling: boolean, opts?: CallOptions): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const s = seed === undefined ? undefined : attempt === 0 ? seed : seed + 1_000_003 * attempt;
      try {
        return await this.ep.request({ v1: '/completions' }, s === undefined ? body : { ...body, seed: s }, { ...opts, parse: parseCompletionBody });
      } catch (e) {
        if (!sampling || attempt >= 8 || !isSampledTokenFailure(e)) throw e;
        this.resampled++;
        const note = `${this.label}: the server failed on a sampled token (HTTP 500 "does not match the expected … format": llama-server cannot return a lone UTF-8 byte token as text); such requests were redrawn with another seed, so samples containing that token are under-represented.`;
        if (!this.warnings.includes(note)) this.warnings.push(note);
      }
    }
  }

  /** Ollama: the native route with raw: true (its /v1/completions applies the chat template); one prompt, one sample. */
  private async sendOllama(body: Record<string, unknown>, seed: number | undefined, topPositions: number, opts?: CallOptions): Promise<ParsedChoice[]> {
    const ask = {
      model: this.cfg.model,
      prompt: String(body.prompt),
      temperature: body.temperature as number,
      maxTokens: body.max_tokens as number,
      logprobs: Math.max(1, Number(body.logprobs ?? 1)),
      ...(seed !== undefined ? { seed } : {}),
      ...(Array.isArray(body.stop) ? { stop: body.stop as string[] } : {}),
    };
    return parseCompletion(await ollamaGenerate(this.ep, ask, opts ?? {}), this.caps, this.ep.urlOf({ root: '/api/generate' }), 1, topPositions);
  }

  /** SGLang: the native /generate (ids end to end, sglangNative.ts); its sampler is sent neutral there. */
  private async sendGenerate(prompts: number[][], n: number, extra: Record<string, unknown>, topPositions: number, opts?: CallOptions): Promise<ParsedChoice[]> {
    const url = this.ep.urlOf({ root: '/generate' });
    const body = generateBody({ prompts, n, temperature: extra.temperature as number, maxTokens: extra.max_tokens as number, topK: Number(extra.logprobs ?? 0), ...(Array.isArray(extra.stop) ? { stop: extra.stop as string[] } : {}) });
    return parseCompletion(asGenerateCompletion(await this.ep.request({ root: '/generate' }, body, opts)), this.caps, url, n, topPositions);
  }

  /** SGLang /generate: log p of each continuation token from input_token_logprobs, the next top-k from one generated position. */
  private async scoreGenerate(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    const url = this.ep.urlOf({ root: '/generate' });
    const full = req.items.map((it) => [...it.prompt, ...it.continuation]);
    const start = req.items.map((it) => Math.max(0, it.prompt.length - 1));
    const k = req.nextTopK ?? 0;
    const answer = asGenerateCompletion(await this.ep.request({ root: '/generate' }, generateBody({ prompts: full, n: 1, temperature: 0, maxTokens: 1, topK: Math.max(1, k), logprobStart: start }), opts));
    const choices = parseCompletion({ choices: answer.choices }, this.caps, url, 1);
    const results = req.items.map((it, i) => {
      const input = answer.input[i] ?? [];
      const logprobs = it.continuation.map((_, j) => input[it.prompt.length + j - start[i]!]);
      if (logprobs.some((x) => typeof x !== 'number')) throw this.protocol(url, 'a scored position has no log-probability (input_token_logprobs)');
      return { logprobs: logprobs as number[], next: k > 0 ? (choices[i]?.positions[0]?.top.slice(0, k) ?? null) : undefined };
    });
    if (k > 0) {
      if (results.some((r) => r.next === null)) throw this.ignoredLogprobs();
      await this.resolveKeys(results.flatMap((r) => r.next?.map((t) => t.key) ?? []), opts);
    }
    return results.map((r) => this.scoreResult(r));
  }

  /** How many requests were redrawn because one sampled token made the server fail. */
  get resampledRequests(): number {
    return this.resampled;
  }

  private completion(c: ParsedChoice, top: number, stop: string[], topPositions = Infinity): Completion {
    const topOf = (i: number): (() => ParsedTop[]) | undefined => {
      const p = c.positions[i];
      if (top <= 0 || !p) return undefined;
      return i < topPositions ? () => p.top : p.lazyTop;
    };
    const tokens: SampledToken[] = c.positions.map((p, i) => {
      const t: SampledToken = { ...this.token(p.key), logprob: p.logprob ?? Number.NEGATIVE_INFINITY };
      const list = topOf(i);
      if (list) this.lazyTop(t, list, top, 'top', i < topPositions);
      return t;
    });
    let finish: Completion['finish'];
    // vLLM: an integer stop_reason is a further EOS id of the generation config (stop_token_ids, e.g.
    // Llama-3.1's 128008); it ended the sample as an EOS would, and is not part of the text.
    const stopId = typeof c.stopReason === 'number' ? c.stopReason : undefined;
    if (c.finishReason === 'length') finish = 'length';
    else if (typeof c.stopReason === 'string') finish = 'stop';
    else if (!('stop_reason' in c.raw) && !('matched_stop' in c.raw) && stop.length > 0 && c.finishReason === 'stop') finish = 'stop';
    else finish = 'eos';
    const out: Completion = { tokens, text: c.text, finish };
    if (finish === 'eos' && stopId !== undefined && stopId !== this.eos && tokens.length > 0 && tokens[tokens.length - 1]!.id === stopId) tokens.pop();
    else if (finish === 'eos' && tokens.length > 0 && this.eos !== null && tokens[tokens.length - 1]!.id === this.eos) {
      const eosToken = tokens.pop()!;
      out.eosLogprob = eosToken.logprob;
      const list = topOf(tokens.length);
      if (list) this.lazyTop(out, list, top, 'eosTop', tokens.length < topPositions);
    }
    return out;
  }

  private textsKnown(list: ParsedTop[]): boolean {
    return this.vocab !== undefined || list.every((x) => 'str' in x.key || x.key.text !== undefined || this.texts.get(x.key.id) !== undefined);
  }

  private tops(list: ParsedTop[], k: number): TokenLogprob[] {
    return list.slice(0, k).map((x) => tokenLogprob(this.token(x.key), x));
  }

  /**
   * A rollout's top-k list, set now when every text is known (and `eager`), else built on first
   * access if by then every text is known: texts of positions beyond SampleRequest.topLogprobsPositions
   * are never fetched, the others are being fetched (prefetchTexts), and a text is never guessed.
   * Left unset otherwise, which the decoder treats as "not reported" (it then asks for that top-k).
   */
  private lazyTop(target: SampledToken | Completion, parse: () => ParsedTop[], k: number, field: 'top' | 'eosTop', eager: boolean): void {
    if (eager) {
      const list = parse().slice(0, k);
      if (this.textsKnown(list)) {
        (target as { [f in typeof field]?: TokenLogprob[] })[field] = this.tops(list, k);
        return;
      }
    }
    Object.defineProperty(target, field, {
      enumerable: true,
      configurable: true,
      get: () => {
        const list = parse().slice(0, k);
        const value = this.textsKnown(list) ? this.tops(list, k) : undefined;
        Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true });
        return value;
      },
    });
  }

  /**
   * Sampled tokens' texts without a request: when every token of a choice but one distinct id has a
   * known text, that id's text is what remains of the choice text (checked by rebuilding the text).
   * ("token_id:N" answers carry no texts, and their text_offsets count the "token_id:N" strings.)
   */
  private inferTexts(choices: ParsedChoice[]): void {
    for (let pass = 0; pass < 3; pass++) {
      let learned = false;
      for (const c of choices) {
        if (typeof c.stopReason === 'string') continue; // the text was cut by a stop string
        let ids = c.positions.map((p) => ('id' in p.key ? p.key.id : -1));
        if (ids.includes(-1)) continue;
        if (this.eos !== null && ids[ids.length - 1] === this.eos) ids = ids.slice(0, -1);
        const unknown = ids.filter((id) => this.texts.get(id) === undefined);
        if (unknown.length === 0 || new Set(unknown).size !== 1) continue;
        const u = unknown[0]!;
        const rest = c.text.length - ids.reduce((s, id) => s + (id === u ? 0 : this.texts.get(id)!.length), 0);
        if (rest < 0 || rest % unknown.length !== 0) continue;
        const len = rest / unknown.length;
        let pos = 0;
        let guess: string | undefined;
        let ok = true;
        for (const id of ids) {
          const t = id === u ? (guess ??= c.text.slice(pos, pos + len)) : this.texts.get(id)!;
          if (c.text.slice(pos, pos + t.length) !== t) {
            ok = false;
            break;
          }
          pos += t.length;
        }
        if (ok && pos === c.text.length && guess !== undefined) {
          this.texts.set(u, guess);
          learned = true;
        }
      }
      if (!learned) break;
    }
  }

  /**
   * The EOS id, when neither the settings nor earlier answers gave it: sample a few short
   * continuations and read it off one that ended by EOS (vLLM lists EOS last in the logprobs).
   */
  async learnEos(signal?: AbortSignal): Promise<TokenId | null> {
    if (this.eos !== null) return this.eos;
    if (this.caps.dialect === 'llamacpp') {
      const fromProps = await this.eosFromProps(signal);
      if (fromProps !== null) return fromProps;
    }
    const prompt = await this.encode('Hello', { signal });
    const choices = await this.complete([prompt], 8, { temperature: 1, max_tokens: 48, logprobs: 1 }, 0, { signal });
    for (const c of choices[0]!) this.learnEosFrom(c, []);
    return this.eos;
  }

  /** llama-server names its EOS piece in /props; /tokenize (parse_special on by default) turns it into the id. */
  private async eosFromProps(signal?: AbortSignal): Promise<TokenId | null> {
    const text = (await this.llamacppProps({ signal }))?.eosText;
    if (!text) return null;
    const body = await this.ep.request<{ tokens?: unknown[] }>({ root: '/tokenize' }, { content: text, add_special: false, parse_special: true }, { signal });
    const ids = Array.isArray(body?.tokens) ? body.tokens : [];
    if (ids.length !== 1 || typeof ids[0] !== 'number') return null;
    this.texts.set(ids[0], text);
    this.learned(ids[0]);
    return ids[0];
  }

  private learnEosFrom(c: ParsedChoice, stop: string[]): void {
    if (this.eos !== null || c.finishReason !== 'stop' || c.positions.length === 0) return;
    const last = c.positions[c.positions.length - 1]!;
    if (!('id' in last.key)) {
      // Text-only servers name the EOS token by its spelling, if they list it at all.
      if (this.vocab && looksLikeEos(last.key.str)) this.learned(this.vocab.intern(last.key.str));
      return;
    }
    // SGLang /generate: matched_stop is the id of the token that ended it, EOS unless stop tokens were set.
    if (this.caps.idsBack === 'generate' && typeof c.raw.matched_stop === 'number' && c.raw.matched_stop === last.key.id && stop.length === 0) return this.learned(last.key.id);
    // vLLM: finish "stop" with an explicit stop_reason null means EOS, and EOS is the last logprobs entry.
    const vllmEos = 'stop_reason' in c.raw && c.stopReason === null && stop.length === 0;
    const textless = last.key.text !== undefined && (last.key.text === '' || looksLikeEos(last.key.text));
    if (vllmEos || textless) this.learned(last.key.id);
  }

  private learned(id: TokenId): void {
    this.eos = id;
    KNOWN_EOS.set(this.eosKey, id);
  }

  /** For endpoints that share a tokenizer (base and baseline of one TQ* setup). */
  adoptEos(id: TokenId | null): void {
    if (this.eos === null && id !== null) this.learned(id);
  }

  private async resolveKeys(keys: TokenKey[], opts?: CallOptions): Promise<void> {
    if (this.vocab) return;
    const ids: number[] = [];
    for (const k of keys) {
      if (!('id' in k)) continue;
      if (k.text !== undefined) this.texts.set(k.id, k.text);
      else ids.push(k.id);
    }
    await this.texts.resolve(ids, opts?.signal, opts?.onRequest);
    if (this.eos === null) for (const id of ids) if (looksLikeEos(this.texts.get(id) ?? '')) this.learned(id);
  }

  private token(key: TokenKey): Token {
    if ('str' in key) {
      if (!this.vocab) throw this.protocol(this.completionsUrl, `expected token ids ("token_id:N"), got the string ${JSON.stringify(key.str)}; is dialect right?`);
      return { id: this.vocab.intern(key.str), text: key.str };
    }
    if (this.vocab) return { id: this.vocab.intern(key.text ?? String(key.id)), text: key.text ?? String(key.id) };
    return { id: key.id, text: key.text ?? this.texts.get(key.id) ?? `‹${key.id}›` };
  }

  private needTopK(k: number): void {
    if (k > this.caps.maxTopK)
      throw new TqError(
        'capability',
        `${this.completionsUrl}: top-k of ${k} asked, but the ${this.caps.dialect} server returns at most ${this.caps.maxTopK} log-probabilities per position. Lower tqstar.decoding.topK to ${this.caps.maxTopK}${this.caps.dialect === 'vllm' ? ' or restart vLLM with a larger --max-logprobs' : ''}.`,
        { url: this.completionsUrl, setting: 'tqstar.decoding.topK' },
      );
  }

  private ignoredLogprobs(): TqError {
    return this.capability('next-token log-probabilities', 'the answer has no logprobs (the server ignored the "logprobs" parameter)');
  }

  private capability(what: string, detail: string, setting = `${this.setting}.dialect`): TqError {
    return new TqError('capability', `${this.completionsUrl}: the server lacks ${what}: ${detail}. Check ${setting} (dialect now "${this.caps.dialect}").`, { url: this.completionsUrl, setting });
  }

  private protocol(url: string, detail: string): TqError {
    return new TqError('protocol', `${url}: ${detail}`, { url, setting: `${this.setting}.dialect` });
  }

  /** Turn a server's 400 about a parameter into the capability error it really is. */
  private explain(e: unknown): unknown {
    if (!(e instanceof TqError) || e.kind !== 'http') return e;
    const m = e.message.toLowerCase();
    // Older llama-server builds refuse echo with a 500, not a 400 (see isDeterministicServerError).
    if (e.status === 500 && m.includes('only no echo is supported'))
      return new TqError('capability', `${e.message} — llama-server cannot score given text; check ${this.setting}.dialect`, { url: e.url, setting: `${this.setting}.dialect`, status: e.status, cause: e });
    if (e.status === 400 && /n must be 1 when using greedy sampling/.test(m))
      return new TqError('capability', `${e.message} — the server refuses several samples at temperature 0; set tqstar.decoding.rolloutTemperature above 0`, { url: e.url, setting: 'tqstar.decoding.rolloutTemperature', status: e.status, cause: e });
    if (e.status !== 400 && e.status !== 422) return e;
    if (m.includes('logprobs') && /max|greater|exceed|allowed|range/.test(m))
      return new TqError('capability', `${e.message} — lower tqstar.decoding.topK`, { url: e.url, setting: 'tqstar.decoding.topK', status: e.status, cause: e });
    if (m.includes('echo') || m.includes('prompt_logprobs') || m.includes('max_tokens'))
      return new TqError('capability', `${e.message} — this server cannot score given text; check ${this.setting}.dialect`, { url: e.url, setting: `${this.setting}.dialect`, status: e.status, cause: e });
    return e;
  }
}
