// Sampled tokens' texts without a request, read off the choice text (servers that send "token_id:N" send no texts).
import type { TokenId } from '../core/model';
import type { ParsedChoice } from './answer';
import type { TokenTexts } from './tokenTexts';

/**
 * When every token of a choice but one distinct id has a known text, that id's text is what remains of the
 * choice text (checked by rebuilding the text). ("token_id:N" answers carry no texts, and their text_offsets
 * count the "token_id:N" strings.)
 */
export function inferTexts(choices: ParsedChoice[], texts: TokenTexts, eos: TokenId | null): void {
  for (let pass = 0; pass < 3; pass++) {
    let learned = false;
    for (const c of choices) {
      if (typeof c.stopReason === 'string') continue; // the text was cut by a stop string
      let ids = c.positions.map((p) => ('id' in p.key ? p.key.id : -1));
      if (ids.includes(-1)) continue;
      if (eos !== null && ids[ids.length - 1] === eos) ids = ids.slice(0, -1);
      const unknown = ids.filter((id) => texts.get(id) === undefined);
      if (unknown.length === 0 || new Set(unknown).size !== 1) continue;
      const u = unknown[0]!;
      const rest = c.text.length - ids.reduce((s, id) => s + (id === u ? 0 : texts.get(id)!.length), 0);
      if (rest < 0 || rest % unknown.length !== 0) continue;
      const len = rest / unknown.length;
      let pos = 0;
      let guess: string | undefined;
      let ok = true;
      for (const id of ids) {
        const t = id === u ? (guess ??= c.text.slice(pos, pos + len)) : texts.get(id)!;
        if (c.text.slice(pos, pos + t.length) !== t) {
          ok = false;
          break;
        }
        pos += t.length;
      }
      if (ok && pos === c.text.length && guess !== undefined) {
        texts.set(u, guess);
        learned = true;
      }
    }
    if (!learned) break;
  }
}
