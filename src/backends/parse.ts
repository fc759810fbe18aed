// Readers for the two OpenAI-style logprob shapes every dialect's answer comes in (legacy; llama.cpp/chat content), through the shared checks of validate.ts.
import { TqError } from '../core/errors';
import type { ParsedChoice, ParsedPosition, ParsedTop, TokenKey } from './answer';
import type { Capabilities } from './dialects/dialect';
import { RawTops } from './leanJson';
import { uniqueTop } from './topList';
import { arrayAt, checkTopAgainstOwn, describeValue, finishOf, logprobOf, objectAt, rejectErrorBody, sameLength } from './validate';

interface ReadOptions {
  /** The lists are the server's top-k (false: they name given ids, vLLM logprob_token_ids). Default true. */
  topK?: boolean;
}

const ID_PREFIX = 'token_id:';

/** "token_id:N" (N decimal digits) names token N when the server sends ids; anything else is a token string. */
function keyOf(token: string, idsBack: boolean): TokenKey {
  if (!idsBack || token.length <= ID_PREFIX.length || !token.startsWith(ID_PREFIX)) return { str: token };
  let id = 0;
  for (let i = ID_PREFIX.length; i < token.length; i++) {
    const d = token.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return { str: token };
    id = id * 10 + d;
  }
  // Beyond 2^53 the digits no longer name one integer; Number() rounds them as JSON numbers are rounded.
  return { id: id <= Number.MAX_SAFE_INTEGER ? id : Number(token.slice(ID_PREFIX.length)) };
}

// vLLM clamps -inf to -9999: kept as a very small finite number, as sent. Anything not a log-probability is refused (validate.ts).
const num = (x: unknown, url: string, field: string): number | null => logprobOf(x, { url, field });
/** The usual value, a finite number ≤ 0: taken without building the field's name for a message (callers check this first). */
const isLogprob = (x: unknown): x is number => typeof x === 'number' && x <= 0 && x > -Infinity;

/** A top-k entry whose value is not a plain log-probability: validated, and a tiny positive value read as 0 is marked. */
function checkedEntry(key: TokenKey, v: unknown, url: string, field: string): ParsedTop {
  const t: ParsedTop = { key, logprob: num(v, url, field) ?? -Infinity };
  if (typeof v === 'number' && v > 0) t.rounded = v;
  return t;
}

const byLogprob = (a: ParsedTop, b: ParsedTop) => b.logprob - a.logprob;

const SURROGATE = /[\uD800-\uDFFF]/;

/** Python code-point offsets → JavaScript UTF-16 offsets within `text`. */
function codePointToUtf16(text: string): (cp: number) => number {
  // Without astral characters code points and UTF-16 units coincide.
  if (!SURROGATE.test(text)) return (cp) => Math.max(0, Math.min(cp, text.length));
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return (cp) => map[Math.max(0, Math.min(cp, map.length - 1))]!;
}

/**
 * All choices of a completion response, placed by their index. llama.cpp answers several prompts
 * with a bare JSON array of completion objects; each then holds the choices of one prompt.
 */
export function parseCompletion(body: unknown, caps: Capabilities, url: string, perPrompt: number, topPositions = Infinity, read: ReadOptions = {}): ParsedChoice[] {
  const objects = Array.isArray(body) ? body : [body];
  const topK = read.topK ?? true;
  const out: ParsedChoice[] = [];
  objects.forEach((obj, objIndex) => {
    rejectErrorBody(obj, url);
    const choices = (obj as { choices?: unknown })?.choices;
    if (!Array.isArray(choices)) throw new TqError('protocol', `${url}: the answer has no "choices" array`, { url });
    choices.forEach((c: Record<string, unknown>, i: number) => {
      if (!c || typeof c !== 'object' || Array.isArray(c)) throw new TqError('protocol', `${url}: choices[${i}] is not an object`, { url });
      const idx = typeof c.index === 'number' ? c.index : i;
      out.push({
        index: Array.isArray(body) ? objIndex * perPrompt + idx : idx,
        text: typeof c.text === 'string' ? c.text : typeof (c.message as { content?: unknown })?.content === 'string' ? ((c.message as { content: string }).content) : '',
        finishReason: finishOf(c.finish_reason, url, `choices[${i}].finish_reason`),
        // SGLang names what stopped it in matched_stop: the stop string, or the EOS id (a number).
        stopReason: c.stop_reason ?? (typeof c.matched_stop === 'string' ? c.matched_stop : null),
        positions: parseLogprobs(c.logprobs, caps, typeof c.text === 'string' ? c.text : '', topPositions, url, `choices[${i}].logprobs`, topK),
        raw: c,
      });
    });
  });
  out.sort((a, b) => a.index - b.index);
  return out;
}

/** Top-k alternatives are parsed up front at the first `topPositions` positions only, the rest on demand: they are most of the answer. */
function parseLogprobs(lp: unknown, caps: Capabilities, text: string, topPositions: number, url: string, field: string, topK: boolean): ParsedPosition[] {
  if (!lp || typeof lp !== 'object') return [];
  const o = lp as Record<string, unknown>;
  if (Array.isArray(o.content)) return parseContentLogprobs(o.content, caps, topPositions, url, `${field}.content`, topK);
  if (!Array.isArray(o.tokens)) return [];
  const idsBack = caps.idsBack === 'token_id';
  const tokens = o.tokens as unknown[];
  const lps = arrayAt(o.token_logprobs, url, `${field}.token_logprobs`, true);
  // A RawTops when the answer was read by leanJson.parseCompletionBody: each list parsed when read.
  const raw = o.top_logprobs instanceof RawTops ? o.top_logprobs : undefined;
  const tops = raw ? [] : (arrayAt(o.top_logprobs, url, `${field}.top_logprobs`, true) as Array<Record<string, unknown> | null>);
  sameLength(
    {
      tokens: tokens.length,
      token_logprobs: o.token_logprobs == null ? undefined : lps.length,
      top_logprobs: raw ? raw.length : o.top_logprobs == null ? undefined : tops.length,
      text_offset: Array.isArray(o.text_offset) ? o.text_offset.length : undefined,
    },
    url,
    field,
  );
  const listAt = (i: number): Record<string, unknown> | null | undefined => {
    if (!raw) return tops[i];
    let m: Record<string, unknown> | null | undefined;
    try {
      m = raw.at(i) as Record<string, unknown> | null | undefined;
    } catch (e) {
      throw new TqError('protocol', `${url}: ${field}.top_logprobs[${i}] is not valid JSON (${(e as Error).message})`, { url, cause: e });
    }
    const dup = raw.duplicateKeyAt(i);
    if (dup !== undefined) throw new TqError('protocol', `${url}: ${field}.top_logprobs[${i}] names ${JSON.stringify(dup.slice(0, 60))} twice (which log-probability is meant is not known)`, { url });
    return m;
  };
  const hasList = (i: number) => (raw ? raw.has(i) : !!tops[i]);
  // SGLang sends -1 for every offset ("not supported yet").
  const offsets = Array.isArray(o.text_offset) && (o.text_offset as unknown[]).every((x) => typeof x === 'number' && x >= 0) ? (o.text_offset as number[]) : undefined;
  const toU16 = offsets ? codePointToUtf16(text) : undefined;
  const base = offsets && offsets.length ? offsets[0]! : 0;
  const topOf = (i: number, own: ParsedPosition): ParsedTop[] => {
    const m = listAt(i);
    const list: ParsedTop[] = [];
    // (A string is not a list: its characters are entries, none a log-probability, so it is refused as before.)
    const entries = m && typeof m === 'object' ? m : typeof m === 'string' ? Object.fromEntries(Object.entries(m)) : undefined;
    for (const k in entries) {
      if (!Object.hasOwn(entries, k)) continue;
      const v = entries[k];
      list.push(isLogprob(v) ? { key: keyOf(k, idsBack), logprob: v } : checkedEntry(keyOf(k, idsBack), v, url, `${field}.top_logprobs[${i}][${JSON.stringify(k)}]`));
    }
    const top = uniqueTop(list, url, `${field}.top_logprobs[${i}]`).sort(byLogprob);
    checkTopAgainstOwn(own, top, url, `${field}.top_logprobs[${i}]`, topK);
    return top;
  };
  const out: ParsedPosition[] = new Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const lp = lps[i];
    const token = tokens[i];
    if (typeof token !== 'string') throw new TqError('protocol', `${url}: ${field}.tokens[${i}] is ${describeValue(token)}, not a token string`, { url });
    const pos: ParsedPosition = { key: keyOf(token, idsBack), logprob: isLogprob(lp) ? lp : num(lp, url, `${field}.token_logprobs[${i}]`), top: [] };
    if (i < topPositions) pos.top = topOf(i, pos);
    else if (hasList(i)) pos.lazyTop = () => topOf(i, pos);
    // text_offset counts from the start of the prompt when echo is on; relative offsets into `text` otherwise.
    if (offsets && toU16 && typeof offsets[i] === 'number') pos.offset = toU16(offsets[i]! - base);
    out[i] = pos;
  }
  return out;
}

/** llama.cpp: content[{id, token, bytes, logprob, top_logprobs:[{id, token, logprob}]}]; Ollama: the same without ids. */
function parseContentLogprobs(content: unknown[], caps: Capabilities, topPositions: number, url: string, field: string, topK: boolean): ParsedPosition[] {
  const key = (e: Record<string, unknown>): TokenKey =>
    caps.idsBack !== 'none' && typeof e.id === 'number' ? { id: e.id, text: typeof e.token === 'string' ? e.token : undefined } : { str: String(e.token ?? '') };
  const topOf = (e: Record<string, unknown>, i: number, own: ParsedPosition): ParsedTop[] => {
    const f = `${field}[${i}].top_logprobs`;
    const top = uniqueTop(
      arrayAt(e.top_logprobs, url, f, true).map((x, j) => {
        const t = objectAt(x, url, `${f}[${j}]`);
        return checkedEntry(key(t), t.logprob, url, `${f}[${j}].logprob`);
      }),
      url,
      f,
    ).sort(byLogprob);
    checkTopAgainstOwn(own, top, url, f, topK);
    return top;
  };
  return content.map((x, i) => {
    const e = objectAt(x, url, `${field}[${i}]`);
    const pos: ParsedPosition = { key: key(e), logprob: num(e.logprob, url, `${field}[${i}].logprob`), top: [] };
    if (i < topPositions) pos.top = topOf(e, i, pos);
    else if (e.top_logprobs != null) pos.lazyTop = () => topOf(e, i, pos);
    return pos;
  });
}

/** log p of `tokenId` at each prompt position, from vLLM's prompt_logprobs maps (first position: null). */
export function promptLogprobsFor(choice: Record<string, unknown>, promptIds: number[], url = '/v1/completions'): Array<number | null> {
  const list = choice.prompt_logprobs as Array<Record<string, { logprob: number }> | null> | undefined;
  if (!Array.isArray(list)) return [];
  return promptIds.map((id, i) => {
    const m = list[i];
    const e = m ? m[String(id)] : undefined;
    return e ? logprobOf(e.logprob, { url, field: `prompt_logprobs[${i}][${JSON.stringify(String(id))}].logprob` }) : null;
  });
}

export type { ParsedChoice, ParsedPosition, ParsedTop, TokenKey } from './answer';
