// Text from a server, made safe to print on a terminal: control and bidi characters shown as escapes.

// C0 controls, DEL, C1 controls (U+009B is a one-byte CSI), and the bidi embeddings, overrides,
// isolates and marks that reorder what a terminal shows (U+202E makes "gnp.exe" read "exe.png").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const escape = (ch: string) => {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
};

/** One line: every control character escaped, newlines too (a server must not forge lines of output). */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Several lines of our own layout (a report, "\n  setting: …"): newlines kept, every other control escaped. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/** An error message: config errors list their keys one per line (our text); any other may quote a server, so it is one line. */
export function errorText(e: { kind: string; message: string }): string {
  return e.kind === 'config' ? terminalText(e.message) : terminalLine(e.message);
}
