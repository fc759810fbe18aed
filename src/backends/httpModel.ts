// A LanguageModel behind a model server: the decoder's calls as generation requests, in the server's dialect.
// What differs between servers (request building, answer reading, slots, EOS, tokenizer, native scoring) is the
// dialect module's (dialects/); every answer passes the checks of validate.ts; scoring is httpScoring.ts.
import type { ModelEndpoint } from '../config/schema';
import { TqError } from '../core/errors';
import type { CallOptions, Completion, LanguageModel, SampleRequest, SampledToken, ScoreRequest, ScoreResult, Token, TokenId, TokenLogprob } from '../core/model';
import { prefixKeys } from './affinity';
import type { ParsedChoice, ParsedTop, TokenKey } from './answer';
import { logprobTokenIdsLimit, usesTokenIds, type Capabilities } from './capabilities';
import type { DialectSession, RequestOptions, ServerDialect } from './dialects/dialect';
import { dialectOf } from './dialects/registry';
import type { Endpoint } from './endpoint';
import { Scorer, type ScoringHost } from './httpScoring';
import { greedyCopies } from './sampler';
import { applyPromptTemplate, templateHasBos } from './templates';
import { inferTexts } from './textInference';
import { tokenLogprob } from './topList';
import { looksLikeEos, StringVocab, TokenTexts } from './tokenTexts';
import { checkChoiceText } from './validate';

// One interning table for every text-only model in the process: base and baseline must agree on
// what a local id means, since the decoder passes ids from one model's answers to the other.
const SHARED_STRINGS = new StringVocab();
// EOS ids learned from a server, so that later runs in the same process need no probe sample.
const KNOWN_EOS = new Map<string, TokenId>();

export class HttpLanguageModel implements LanguageModel, ScoringHost {
  readonly label: string;
  readonly warnings: string[] = [];
  /** Every HTTP request goes through the endpoint with the caller's onRequest: the run counts exactly those. */
  readonly countsRequests = true;
  readonly caps: Capabilities;
  readonly session: DialectSession;
  /** The generation route's URL, as errors about its answers name it. */
  readonly url: string;
  /** Set when the server takes strings only: ids are local and prompts travel as text. */
  readonly vocab?: StringVocab;
  private readonly dialect: ServerDialect;
  private eos: TokenId | null;
  private readonly eosKey: string;
  private readonly texts: TokenTexts;
  private readonly scorer: Scorer;

  constructor(
    private readonly ep: Endpoint,
    private readonly cfg: ModelEndpoint,
    caps: Capabilities,
  ) {
    this.caps = caps;
    this.label = `${ep.baseUrl} (${cfg.model})`;
    this.dialect = dialectOf(caps);
    this.session = this.dialect.open({ ep, cfg, caps, neutral: this.dialect.neutral, label: this.label, warn: (note) => this.warn(note) });
    this.url = ep.urlOf(this.session.route);
    this.eosKey = `${ep.rootUrl}|${cfg.model}|${caps.idsBack}`;
    this.eos = cfg.eosTokenId ?? KNOWN_EOS.get(this.eosKey) ?? null;
    this.texts = new TokenTexts(ep, cfg.model, caps);
    this.scorer = new Scorer(this, logprobTokenIdsLimit(caps));
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

  /** LanguageModel.cheapTokenScoring: true while the server honours vLLM's logprob_token_ids (see httpScoring.ts). */
  get cheapTokenScoring(): boolean {
    return this.scorer.tailIds > 0;
  }

  /** How many requests were redrawn because one sampled token made the server fail. */
  get resampledRequests(): number {
    return this.session.redrawn?.() ?? 0;
  }

  /** HTTP requests this model's endpoint has sent so far (setup included: probe, tokenizer, /props, EOS). */
  get requestsSent(): number {
    return this.ep.requests;
  }

  get dialectSetting(): string {
    return `${this.ep.settingPrefix}.dialect`;
  }

  warn(note: string): void {
    if (!this.warnings.includes(note)) this.warnings.push(note);
  }

  async encode(text: string, opts?: CallOptions): Promise<TokenId[]> {
    const templated = applyPromptTemplate(this.cfg.promptTemplate, text);
    if (this.vocab) return [this.vocab.intern(templated)];
    const addSpecial = !templateHasBos(this.cfg.promptTemplate);
    if (this.session.tokenize) return this.session.tokenize(templated, addSpecial, this.texts, opts);
    const route = this.caps.tokenize === 'v1' ? { v1: '/tokenize' } : { root: '/tokenize' };
    const body = await this.ep.request<{ tokens?: unknown }>(route, { model: this.cfg.model, prompt: templated, add_special_tokens: addSpecial }, opts);
    if (!Array.isArray(body?.tokens) || !body.tokens.every((t) => typeof t === 'number')) throw this.protocol(this.ep.urlOf(route), 'no "tokens" id array in the /tokenize answer');
    return body.tokens as number[];
  }

  async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
    this.needTopK(k);
    // Where the dialect reads top-k from a draw (llama-server fails on a greedy lone-byte token), draw at temperature 1,
    // seeded, redrawn on that failure: only the top-k at the first position is read, which does not depend on the token
    // drawn. A drawn token that is the first byte of an unfinished UTF-8 character is held back with its logprobs
    // (the answer is text "�", logprobs null): that draw is redrawn too.
    const drawn = this.session.drawsForTopK === true;
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
    if (!this.vocab) inferTexts(choices.flat(), this.texts, this.eos);
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

  score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
    if (req.items.length && req.nextTopK) this.needTopK(req.nextTopK);
    return this.scorer.score(req, opts);
  }

  private completion(c: ParsedChoice, top: number, stop: string[], topPositions = Infinity): Completion {
    if (c.finishReason === null) throw this.protocol(this.url, `choice ${c.index} has no finish reason ("stop" or "length")`);
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
    // The text and the tokens must tell the same story (when every token's text is known). Not with stop strings: a
    // server holds back the text or the log-probabilities of a partial stop match (llama-server lists fewer tokens).
    if (stop.length === 0) {
      const pieces = c.positions.map((p) => ('str' in p.key ? p.key.str : (p.key.text ?? this.texts.known(p.key.id))));
      checkChoiceText(c.text, pieces, this.url, `choice ${c.index}'s text`);
    }
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
   * The EOS id, when neither the settings nor earlier answers gave it: the server's own word where the dialect
   * has one (llama.cpp /props), else sample a few short continuations and read it off one that ended by EOS.
   */
  async learnEos(signal?: AbortSignal, onRequest?: () => void): Promise<TokenId | null> {
    if (this.eos !== null) return this.eos;
    const opts = { signal, onRequest };
    const fromServer = await this.session.eosFromServer?.(this.texts, opts);
    if (fromServer !== undefined && fromServer !== null) {
      this.learned(fromServer);
      return fromServer;
    }
    const prompt = await this.encode('Hello', opts);
    const choices = await this.complete([prompt], 8, { temperature: 1, max_tokens: 48, logprobs: 1 }, 0, opts);
    for (const c of choices[0]!) this.learnEosFrom(c, []);
    return this.eos;
  }

  private learnEosFrom(c: ParsedChoice, stop: string[]): void {
    if (this.eos !== null || c.finishReason !== 'stop' || c.positions.length === 0) return;
    const last = c.positions[c.positions.length - 1]!;
    if (!('id' in last.key)) {
      // Text-only servers name the EOS token by its spelling, if they list it at all.
      if (this.vocab && looksLikeEos(last.key.str)) this.learned(this.vocab.intern(last.key.str));
      return;
    }
    const textless = last.key.text !== undefined && (last.key.text === '' || looksLikeEos(last.key.text));
    if (this.session.endedByEos?.(c, stop) || textless) this.learned(last.key.id);
  }

  private learned(id: TokenId): void {
    this.eos = id;
    KNOWN_EOS.set(this.eosKey, id);
  }

  /** For endpoints that share a tokenizer (base and baseline of one TQ* setup). */
  adoptEos(id: TokenId | null): void {
    if (this.eos === null && id !== null) this.learned(id);
  }

  async resolveKeys(keys: TokenKey[], opts?: CallOptions): Promise<void> {
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

  token(key: TokenKey): Token {
    if ('str' in key) {
      if (!this.vocab) throw this.protocol(this.url, `expected token ids ("token_id:N"), got the string ${JSON.stringify(key.str)}; is dialect right?`);
      return { id: this.vocab.intern(key.str), text: key.str };
    }
    if (this.vocab) return { id: this.vocab.intern(key.text ?? String(key.id)), text: key.text ?? String(key.id) };
    return { id: key.id, text: key.text ?? this.texts.get(key.id) ?? `‹${key.id}›` };
  }

  isLocalEos(id: TokenId): boolean {
    return (this.eos !== null && id === this.eos) || looksLikeEos(this.vocab!.text(id));
  }

  /** The call's options, with the prompt's prefix keys (affinity.ts) only where the endpoint routes by them: hashed for nothing otherwise. */
  routed(prompt: readonly number[] | string, opts?: CallOptions): RequestOptions | undefined {
    return this.ep.routesByPrefix ? { ...opts, affinity: prefixKeys(prompt) } : opts;
  }

  /**
   * One request when the server takes several prompts and `n`; otherwise as many concurrent requests
   * as it needs (each sample gets its own seed so that split requests do not repeat each other).
   * Returns choices[promptIndex][sampleIndex].
   */
  async complete(prompts: TokenId[][], n: number, body: Record<string, unknown>, seed: number | undefined, opts?: CallOptions, topPositions = Infinity, topK = true): Promise<ParsedChoice[][]> {
    if (prompts.length === 0) return [];
    const wire = prompts.map((p) => (this.vocab ? p.map((id) => this.vocab!.text(id)).join('') : p));
    const out: ParsedChoice[][] = prompts.map(() => []);
    const place = (choices: ParsedChoice[], promptOffset: number, nPer: number, sampleOffset: number) => {
      for (const c of choices) {
        const p = promptOffset + Math.floor(c.index / nPer);
        if (!out[p]) throw this.protocol(this.url, `choice index ${c.index} out of range`);
        out[p]!.push({ ...c, index: sampleOffset + (c.index % nPer) });
      }
    };
    // Every request of this call extends the first prompt: routed by its prefix (replica affinity, affinity.ts).
    const routed = this.routed(wire[0]!, opts);
    const send = (ps: typeof wire, nPer: number, s: number | undefined) => this.session.generate({ prompts: ps, n: nPer, body, seed: s, topPositions, topK }, routed);
    // A server may take fewer samples per request than asked (llama-server: its slot count, n_cmpl's hard limit in
    // server-schema.cpp): a request per that many samples, every prompt in each, instead of one request per sample.
    const maxN = this.caps.n ? ((await this.session.samplesPerRequest?.(opts)) ?? Infinity) : 1;
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
      if (cs.length !== n) throw this.protocol(this.url, `expected ${n} choice(s) per prompt, got ${cs.length}`);
    }
    return out;
  }

  private needTopK(k: number): void {
    if (k > this.caps.maxTopK)
      throw new TqError(
        'capability',
        `${this.url}: top-k of ${k} asked, but the ${this.caps.dialect} server returns at most ${this.caps.maxTopK} log-probabilities per position. Lower tqstar.decoding.topK to ${this.caps.maxTopK}${this.dialect.topKHint ? ` or ${this.dialect.topKHint}` : ''}.`,
        { url: this.url, setting: 'tqstar.decoding.topK' },
      );
  }

  ignoredLogprobs(): TqError {
    return this.capability('next-token log-probabilities', 'the answer has no logprobs (the server ignored the "logprobs" parameter)');
  }

  capability(what: string, detail: string, setting = this.dialectSetting): TqError {
    return new TqError('capability', `${this.url}: the server lacks ${what}: ${detail}. Check ${setting} (dialect now "${this.caps.dialect}").`, { url: this.url, setting });
  }

  protocol(url: string, detail: string): TqError {
    return new TqError('protocol', `${url}: ${detail}`, { url, setting: this.dialectSetting });
  }
}
