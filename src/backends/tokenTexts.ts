// Display texts of token ids (servers that send "token_id:N" send no text): /detokenize with a cache.
import { TqError } from '../core/errors';
import type { Capabilities } from './capabilities';
import type { Endpoint } from './endpoint';

// Special-token spellings that mean end of sequence, for servers that do not say which id is EOS.
const EOS_TEXT = /^(<\/s>|<eos>|<\|eos\|>|<\|endoftext\|>|<\|end_of_text\|>|<\|eot_id\|>|<\|im_end\|>|<end_of_turn>|\[EOS\])$/;

export function looksLikeEos(text: string): boolean {
  return EOS_TEXT.test(text);
}

export class TokenTexts {
  private readonly cache = new Map<number, string>();
  private readonly pending = new Map<number, Promise<string>>();
  private detokenizeMissing = false;

  constructor(
    private readonly ep: Endpoint,
    private readonly model: string,
    private readonly caps: Capabilities,
  ) {}

  get(id: number): string | undefined {
    return this.cache.get(id);
  }
  set(id: number, text: string): void {
    if (!this.cache.has(id)) this.cache.set(id, text);
  }
  get size(): number {
    return this.cache.size;
  }

  /** Fetch the texts of ids not cached yet: one /detokenize request per new id, concurrently. */
  async resolve(ids: Iterable<number>, signal?: AbortSignal): Promise<void> {
    const wanted = new Set<number>();
    for (const id of ids) if (!this.cache.has(id)) wanted.add(id);
    if (wanted.size === 0) return;
    await Promise.all([...wanted].map((id) => this.one(id, signal)));
  }

  private one(id: number, signal?: AbortSignal): Promise<string> {
    const existing = this.pending.get(id);
    if (existing) return existing;
    const p = this.fetch(id, signal).then(
      (t) => {
        this.cache.set(id, t);
        this.pending.delete(id);
        return t;
      },
      (e) => {
        this.pending.delete(id);
        throw e;
      },
    );
    this.pending.set(id, p);
    return p;
  }

  private async fetch(id: number, signal?: AbortSignal): Promise<string> {
    // Without a detokenizer the id itself is the only honest display.
    if (this.detokenizeMissing || this.caps.tokenize === 'none') return `‹${id}›`;
    const route = this.caps.tokenize === 'v1' ? { v1: '/detokenize' } : { root: '/detokenize' };
    try {
      const body = await this.ep.request<Record<string, unknown>>(route, { model: this.model, tokens: [id] }, { signal });
      const text = body?.prompt ?? body?.content ?? body?.text;
      if (typeof text !== 'string') throw new TqError('protocol', `${this.ep.urlOf(route)}: no "prompt" text in the /detokenize answer`, { url: this.ep.urlOf(route) });
      return text;
    } catch (e) {
      if (e instanceof TqError && e.kind === 'http' && (e.status === 404 || e.status === 405)) {
        this.detokenizeMissing = true;
        return `‹${id}›`;
      }
      throw e;
    }
  }
}

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
