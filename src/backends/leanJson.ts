// Reading a completion answer without building the top-k maps nobody reads: each choice's `logprobs.top_logprobs` array is kept as raw JSON text, one slice per position, parsed on first read.
//
// Why: a rollout answer (k·N choices × H positions × k alternatives) is ≈ 90 % top-k maps by bytes, and the decoder
// reads the maps of one or two positions per choice (SampleRequest.topLogprobsPositions); JSON.parse of the whole
// body built every map (objects with keys "token_id:N") and most of the client's garbage.

/** The raw JSON text of one top-k list per position; `at(i)` parses position i (throws SyntaxError when malformed). */
export class RawTops {
  private spans: number[] | undefined;
  constructor(
    private readonly text: string,
    /** Start and end offsets of each element in `text`, two numbers per position; found on first use for a compact list. */
    spans: number[] | { compact: [number, number] },
  ) {
    if (Array.isArray(spans)) this.spans = spans;
    else this.compact = spans.compact;
  }
  private compact: [number, number] | undefined;
  private get list(): number[] {
    if (this.spans) return this.spans;
    // A list the COMPACT pattern matched: its elements are `null` or braces holding no strings with braces.
    const spans: number[] = [];
    const [from, to] = this.compact!;
    ELEMENT.lastIndex = from + 1;
    for (let m = ELEMENT.exec(this.text); m && m.index < to; m = ELEMENT.exec(this.text)) spans.push(m.index, m.index + m[0].length);
    return (this.spans = spans);
  }
  get length(): number {
    return this.list.length / 2;
  }
  at(i: number): unknown {
    const spans = this.list;
    if (!(i >= 0 && i < spans.length / 2)) return undefined;
    return JSON.parse(this.text.slice(spans[2 * i]!, spans[2 * i + 1]!));
  }
  /** A key that position i's map names twice (JSON.parse would keep the last value silently). */
  duplicateKeyAt(i: number): string | undefined {
    const spans = this.list;
    return i >= 0 && i < spans.length / 2 ? duplicateKey(this.text, spans[2 * i]!, spans[2 * i + 1]!) : undefined;
  }
  /** Whether position i holds a truthy value (a list, not null), as `array[i]` would say: only short values are parsed. */
  has(i: number): boolean {
    const spans = this.list;
    if (!(i >= 0 && i < spans.length / 2)) return false;
    if (spans[2 * i + 1]! - spans[2 * i]! > 16) return true;
    try {
      return !!this.at(i);
    } catch {
      return true; // malformed: reading it says so
    }
  }
}

// vLLM and SGLang answer compact JSON (Starlette's JSONResponse, ORJSON) with ids for keys (return_tokens_as_token_ids):
// such a list is matched whole by one regular expression, which also checks its syntax; every choice in it is decided
// by the next character, so matching is linear. Other lists are scanned character by character (scanArray).
const NUM = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const ID_ENTRY = `"token_id:\\d+":${NUM}`;
const ELEMENT_SRC = `(?:null|\\{(?:${ID_ENTRY}(?:,${ID_ENTRY})*)?\\})`;
const COMPACT = new RegExp(`\\[(?:${ELEMENT_SRC}(?:,${ELEMENT_SRC})*)?\\]`, 'y');
const ELEMENT = /null|\{[^}]*\}/g;

const KEY = '"top_logprobs":';
const MARK = '\u0000tq-raw-tops:';

/**
 * JSON.parse of a completion body, with every choice's `logprobs.top_logprobs` array (the legacy shape of vLLM,
 * SGLang's OpenAI route and hosted OpenAI) left as a RawTops. Anything this cannot account for exactly — another
 * shape, a `"top_logprobs":` key elsewhere, a body cut short — is parsed in full by JSON.parse, as before.
 * The rest of the body is validated by JSON.parse as usual; a list's own syntax is checked when it is read.
 */
export function parseCompletionBody(text: string): unknown {
  // Read in full, as JSON.parse reads it (a top-k map's repeated key is caught where the list is read: RawTops.duplicateKeyAt).
  const whole = () => JSON.parse(text);
  const pieces: string[] = [];
  const raws: RawTops[] = [];
  let from = 0;
  for (let at = text.indexOf(KEY); at >= 0; at = text.indexOf(KEY, from)) {
    let i = at + KEY.length;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 91 /* [ */) {
      // Not an array here (e.g. null): leave it to JSON.parse.
      pieces.push(text.slice(from, i));
      from = i;
      continue;
    }
    COMPACT.lastIndex = i;
    let end: number;
    let raw: RawTops;
    if (COMPACT.test(text)) {
      end = COMPACT.lastIndex;
      raw = new RawTops(text, { compact: [i, end] });
    } else {
      const spans: number[] = [];
      end = scanArray(text, i, spans);
      if (end < 0) return whole();
      raw = new RawTops(text, spans);
    }
    pieces.push(text.slice(from, i), JSON.stringify(MARK + raws.length));
    raws.push(raw);
    from = end;
  }
  if (raws.length === 0) return whole();
  pieces.push(text.slice(from));
  const body = JSON.parse(pieces.join(''));
  // Every mark must sit where a choice's top_logprobs is read; otherwise the text was not what it looked like.
  let placed = 0;
  const objects = Array.isArray(body) ? body : [body];
  for (const o of objects) {
    const choices = (o as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices)) continue;
    for (const c of choices) {
      const lp = (c as { logprobs?: unknown } | null)?.logprobs as Record<string, unknown> | null | undefined;
      const v = lp && typeof lp === 'object' ? lp.top_logprobs : undefined;
      if (typeof v !== 'string' || !v.startsWith(MARK)) continue;
      const n = Number(v.slice(MARK.length));
      if (!(n >= 0 && n < raws.length) || raws[n] === undefined) return whole();
      lp!.top_logprobs = raws[n];
      raws[n] = undefined as unknown as RawTops;
      placed++;
    }
  }
  return placed === raws.length ? body : whole();
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * The end (one past `]`) of the JSON array that starts at `start`, pushing each element's [start, end) into
 * `spans`; -1 when the text ends first. Strings are skipped whole (escapes included), so brackets inside keys
 * (top-k maps keyed by token text) do not count.
 */
function scanArray(text: string, start: number, spans: number[]): number {
  let depth = 1;
  let elem = start + 1;
  let empty = true;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      empty = false;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      empty = false;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (--depth === 0) {
        if (!empty) spans.push(elem, i);
        return i + 1;
      }
    } else if (c === 44 /* , */ && depth === 1) {
      spans.push(elem, i);
      elem = i + 1;
    } else if (!isSpace(c)) empty = false;
  }
  return -1;
}

/** The index of the closing quote of the string that opens at `open`; -1 when there is none. */
function stringEnd(text: string, open: number): number {
  for (let j = open + 1; ; ) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    let bs = 0;
    for (let k = q - 1; text.charCodeAt(k) === 92 /* \ */; k--) bs++;
    if (bs % 2 === 0) return q;
    j = q + 1;
  }
}

/**
 * The first key that some object within text[from, to) names twice (JSON.parse keeps the last value); undefined when
 * none does. Keys are compared as written (escapes not decoded: "\u0061" and "a" count as different, as a hostile
 * answer that relies on that is then read as JSON.parse reads it).
 */
function duplicateKey(text: string, from: number, to: number): string | undefined {
  const stack: Array<Set<string> | null> = [];
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0 || end >= to) return undefined;
      const keys = stack[stack.length - 1];
      if (keys) {
        let j = end + 1;
        while (j < to && isSpace(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 58 /* : */) {
          const key = text.slice(i + 1, end);
          if (keys.has(key)) return key;
          keys.add(key);
        }
      }
      i = end;
    } else if (c === 123 /* { */) stack.push(new Set());
    else if (c === 91 /* [ */) stack.push(null);
    else if (c === 125 /* } */ || c === 93 /* ] */) stack.pop();
  }
  return undefined;
}
