// The demo models' word-level tokenizer: words carry their leading space, with byte fallback so any text round-trips.
export const EOS_TEXT = '</s>';

const PIECE = / ?[A-Za-z]+(?:'[A-Za-z]+)*| ?[0-9]+| ?[^\sA-Za-z0-9]|\s/gu;
const utf8 = new TextEncoder();

/** Splits text into pieces: " word", "word", " 42", " ,", single whitespace characters. */
export function pieces(text: string): string[] {
  return text.match(PIECE) ?? [];
}

export class WordTokenizer {
  /** Token texts by id: EOS, 256 byte tokens, single ASCII characters, then corpus pieces by frequency. */
  readonly vocab: string[];
  readonly eosId = 0;
  private readonly ids = new Map<string, number>();
  private readonly firstByte = 1;
  private readonly firstText: number;

  constructor(corpus: readonly string[]) {
    const vocab: string[] = [EOS_TEXT];
    // A lone byte token shows as its own decoding ("\uFFFD" above 0x7F), as vLLM prints byte-fallback tokens.
    for (let b = 0; b < 256; b++) vocab.push(b < 0x80 ? String.fromCharCode(b) : '\uFFFD');
    this.firstText = vocab.length;
    const singles = ['\n', '\t'];
    for (let c = 0x20; c < 0x7f; c++) singles.push(String.fromCharCode(c));
    const counts = new Map<string, number>();
    for (const s of corpus) for (const p of pieces(s)) counts.set(p, (counts.get(p) ?? 0) + 1);
    const words = [...counts.entries()]
      .filter(([p]) => !singles.includes(p) && /^[\x20-\x7e]+$/.test(p))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([p]) => p);
    for (const t of [...singles, ...words]) {
      this.ids.set(t, vocab.length);
      vocab.push(t);
    }
    this.vocab = vocab;
  }

  /** Byte-fallback tokens (ids 1..256): what text outside the vocabulary is spelt with. */
  isByte(id: number): boolean {
    return id >= this.firstByte && id < this.firstText;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const p of pieces(text)) {
      const id = this.ids.get(p);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      const rest = p.startsWith(' ') ? this.ids.get(p.slice(1)) : undefined;
      if (rest !== undefined) {
        out.push(this.ids.get(' ')!, rest);
        continue;
      }
      for (const ch of p) {
        const single = this.ids.get(ch);
        if (single !== undefined) out.push(single);
        else for (const b of utf8.encode(ch)) out.push(this.firstByte + b);
      }
    }
    return out;
  }

  /** UTF-8 bytes of one token; EOS has none. */
  tokenBytes(id: number): number[] {
    if (id === this.eosId) return [];
    if (id >= this.firstByte && id < this.firstText) return [id - this.firstByte];
    return [...utf8.encode(this.vocab[id]!)];
  }

  /** Joins the tokens' bytes and decodes them once, so byte-fallback sequences become their characters again. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) for (const b of this.tokenBytes(id)) bytes.push(b);
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
}
