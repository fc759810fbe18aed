// The webview's only way to build DOM: elements with fixed attributes and text children, never HTML strings (model output is untrusted).
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Array<Child>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  append(e, children);
  return e;
}

function append(parent: Element, children: Array<Child | Node | string>) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Fixed-precision number for tables, with a visible dash for "not computed". */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** A token as a visible string: quotes and escapes make spaces and newlines readable. */
/** A token for tables: quoted so spaces show; the empty text (EOS and other special tokens) named. */
export function showToken(text: string): string {
  return text === '' ? '⟨end⟩' : JSON.stringify(text);
}

/** Bidi overrides, embeddings, isolates and marks, zero-width characters, and C0/C1 controls other than tab and newline. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text with its invisible and reordering characters shown as visible marks (as the editor shows
 * them): a U+202E in model output must not make "gnp.exe" read as "exe.png". The text a user
 * inserts or copies is unchanged; only the display marks them.
 */
export function visibleText(text: string): Array<Node | string> {
  const out: Array<Node | string> = [];
  let last = 0;
  for (const m of text.matchAll(HIDDEN)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const code = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(h('span', { class: 'ctrl', title: `invisible character ${code}`, 'aria-label': `invisible character ${code}` }, `[${code}]`));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
