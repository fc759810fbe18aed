// Makes a message safe for a VS Code notification: its Markdown-style links ([text](command:…)) become plain text, and control and bidi characters become visible.
// Error messages carry server text (an HTTP error body), and a notification turns `[label](target)` into a live link.

const MAX = 400;

/** Bidi overrides, embeddings and isolates, and the zero-width marks that reorder or hide text. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// C0 and C1 controls except tab and newline (a notification shows one paragraph anyway).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const codepoint = (c: string) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;

export function notificationText(message: string): string {
  let s = message.replace(INVISIBLE, codepoint).replace(CONTROL, codepoint);
  // VS Code's linkifier needs "](" right after the label and a scheme at the start of the target:
  // a bracket turned into a look-alike can never start or close a link label.
  s = s.replace(/\[/g, '⟦').replace(/\]/g, '⟧');
  if (s.length > MAX) s = `${s.slice(0, MAX)}… (full text in the Transfer Q* log)`;
  return s;
}
