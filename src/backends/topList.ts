// One entry per token in a top-k list: a repeated token id is refused, a repeated token text merged.
import { TqError } from '../core/errors';
import type { Token, TokenLogprob } from '../core/model';
import type { ParsedTop } from './answer';

/**
 * A list that names one token id twice has no single log-probability for it (keeping either one
 * would silently change the answer): a protocol error. Text-only servers (Ollama) can list two
 * tokens that decode to the same text (byte pieces shown as U+FFFD); the decoder sees one
 * candidate per text, so those merge, explicitly: log(p₁ + p₂), and the entry says how many merged.
 */
export function uniqueTop(list: ParsedTop[], url: string, field: string): ParsedTop[] {
  const byId = new Map<number, ParsedTop>();
  const byText = new Map<string, ParsedTop>();
  const out: ParsedTop[] = [];
  for (const t of list) {
    if ('id' in t.key) {
      if (byId.has(t.key.id)) throw new TqError('protocol', `${url}: ${field} lists token ${t.key.id} twice (with log-probabilities ${byId.get(t.key.id)!.logprob} and ${t.logprob})`, { url });
      byId.set(t.key.id, t);
      out.push(t);
      continue;
    }
    const seen = byText.get(t.key.str);
    if (!seen) {
      byText.set(t.key.str, t);
      out.push(t);
      continue;
    }
    const hi = Math.max(seen.logprob, t.logprob);
    seen.logprob = hi === -Infinity ? -Infinity : hi + Math.log(Math.exp(seen.logprob - hi) + Math.exp(t.logprob - hi));
    seen.merged = (seen.merged ?? 1) + 1;
  }
  return out;
}

/** The decoder's view of a parsed entry: its log-probability, how many server entries merged into it, a rounding read as 0. */
export function tokenLogprob(token: Token, top: ParsedTop): TokenLogprob {
  // Built field by field (not spread): one of these per top-k entry the decoder reads.
  const out: TokenLogprob = { id: token.id, text: token.text, logprob: top.logprob };
  if (top.merged) out.merged = top.merged;
  if (top.rounded !== undefined) out.rounded = top.rounded;
  return out;
}
