// Display texts of token ids (servers that send "token_id:N" send no text): /detokenize with a cache.
import { TqError } from '../core/errors';
import type { Endpoint } from './endpoint';

// Special-token spellings that mean end of sequence, for servers that do not say which id is EOS.
const EOS_TEXT = /^(<\/s>|<eos>|<\|eos\|>|<\|endoftext\|>|<\|end_of_text\|>|<\|eot_id\|>|<\|im_end\|>|<end_of_turn>|\[EOS\])$/;

export function looksLikeEos(text: string): boolean {
  return EOS_TEXT.test(text);
}

// Shared by every model object on the same server and model: token texts never change, and runs come and go.
const SHARED = new Map<string, Map<number, string>>();

export class TokenTexts {
  private readonly cache: Map<number, string>;
  private readonly pending = new Map<number, Promise<string>>();
  private detokenizeMissing = false;
  private sep: Promise<number[] | null> | undefined;

  constructor(
    private readonly ep: Endpoint,
    private readonly model: string,
    /** Where the server tokenises (Capabilities.tokenize). */
    private readonly caps: { tokenize: 'root' | 'v1' | 'llamacpp' | 'none' },
  ) {
    const key = `${ep.rootUrl}|${model}`;
    let c = SHARED.get(key);
    if (!c) SHARED.set(key, (c = new Map()));
    this.cache = c;
  }

  get(id: number): string | undefined {
    return this.cache.get(id);
  }
  /** The text, unless unknown or only a placeholder (‹id›, where /detokenize gave none). */
  known(id: number): string | undefined {
    const t = this.cache.get(id);
    return t === undefined || t === `‹${id}›` ? undefined : t;
  }
  set(id: number, text: string): void {
    if (!this.cache.has(id)) this.cache.set(id, text);
  }
  get size(): number {
    return this.cache.size;
  }

  /**
   * Fetch the texts of ids not cached yet. Detokenize answers one joined text per request, so many
   * ids go out in ONE request, each between copies of a marker string, and the answer is split on
   * the marker. Decoding each id after a marker also keeps SentencePiece's leading spaces, which a
   * lone-token decode drops. When the split does not come out right: one request per id.
   */
  async resolve(idList: Iterable<number>, signal?: AbortSignal, onRequest?: () => void): Promise<void> {
    const ids = [...idList];
    const wanted = new Set<number>();
    for (const id of ids) if (!this.cache.has(id) && !this.pending.has(id)) wanted.add(id);
    const waiting = [...new Set(ids.filter((id) => this.pending.has(id)))].map((id) => this.pending.get(id)!);
    if (wanted.size > 0) {
      const list = [...wanted];
      const batch = this.batch(list, signal, onRequest);
      for (const id of list) {
        const text = batch.then(() => this.cache.get(id) ?? '');
        // Only a later caller waiting on the same id sees a failure; unawaited, it must not surface as an unhandled rejection.
        text.catch(() => undefined);
        this.pending.set(id, text);
      }
      try {
        await batch;
      } finally {
        for (const id of list) this.pending.delete(id);
      }
    }
    await Promise.all(waiting);
  }

  private route() {
    return this.caps.tokenize === 'v1' ? { v1: '/detokenize' } : { root: '/detokenize' };
  }

  private async batch(ids: number[], signal?: AbortSignal, onRequest?: () => void): Promise<void> {
    if (this.detokenizeMissing || this.caps.tokenize === 'none') {
      for (const id of ids) this.cache.set(id, `‹${id}›`);
      return;
    }
    const sep = await this.separator(signal, onRequest);
    if (sep) {
      for (let i = 0; i < ids.length; i += BATCH) {
        const chunk = ids.slice(i, i + BATCH);
        const tokens = [...sep, ...chunk.flatMap((id) => [id, ...sep])];
        const text = await this.detokenize(tokens, signal, onRequest);
        const parts = text?.split(MARK);
        if (parts && parts.length === chunk.length + 2 && parts[0] === '' && parts[parts.length - 1] === '') chunk.forEach((id, j) => this.cache.set(id, parts[j + 1]!));
        else await Promise.all(chunk.map(async (id) => this.cache.set(id, (await this.detokenize([id], signal, onRequest)) ?? `‹${id}›`)));
      }
      return;
    }
    await Promise.all(ids.map(async (id) => this.cache.set(id, (await this.detokenize([id], signal, onRequest)) ?? `‹${id}›`)));
  }

  /** Token ids of the marker, checked to decode back to exactly the marker; null when they do not. */
  private separator(signal?: AbortSignal, onRequest?: () => void): Promise<number[] | null> {
    this.sep ??= (async () => {
      try {
        const route = this.caps.tokenize === 'v1' ? { v1: '/tokenize' } : { root: '/tokenize' };
        const body = this.caps.tokenize === 'llamacpp' ? { content: MARK, add_special: false } : { model: this.model, prompt: MARK, add_special_tokens: false };
        const r = await this.ep.request<{ tokens?: unknown[] }>(route, body, { signal, onRequest });
        const ids = (r?.tokens ?? []).map((t) => (typeof t === 'number' ? t : (t as { id: number }).id));
        if (!ids.length || !ids.every((x) => Number.isInteger(x))) return null;
        return (await this.detokenize([...ids, ...ids], signal, onRequest)) === MARK + MARK ? ids : null;
      } catch (e) {
        if (e instanceof TqError && e.kind === 'aborted') {
          this.sep = undefined;
          throw e;
        }
        return null;
      }
    })();
    return this.sep;
  }

  private async detokenize(tokens: number[], signal?: AbortSignal, onRequest?: () => void): Promise<string | undefined> {
    const route = this.route();
    try {
      const body = await this.ep.request<Record<string, unknown>>(route, { model: this.model, tokens }, { signal, onRequest });
      const text = body?.prompt ?? body?.content ?? body?.text;
      if (typeof text !== 'string') throw new TqError('protocol', `${this.ep.urlOf(route)}: no "prompt" text in the /detokenize answer`, { url: this.ep.urlOf(route) });
      return text;
    } catch (e) {
      if (e instanceof TqError && e.kind === 'http' && (e.status === 404 || e.status === 405)) {
        this.detokenizeMissing = true;
        return undefined;
      }
      throw e;
    }
  }
}

// Unlikely inside any token, and made of ordinary characters every tokenizer can spell.
const MARK = '\n~|~\n';
const BATCH = 512;

/** Texts for servers without token ids: each distinct string gets a stable local id. */
export class StringVocab {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];
  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }
  text(id: number): string {
    const t = this.texts[id];
    if (t === undefined) throw new TqError('internal', `unknown local token id ${id}`);
    return t;
  }
}
