// Prompt sets for `tqstar eval`: the built-in set written for this project, and JSONL or plain-text files.
import { readBoundedText } from '../files';

export interface EvalPrompt {
  /** Stable identity across runs (resume keys on it): the file's `id`, or the line number. */
  id: string;
  text: string;
}

/**
 * ~100 prompts written for this project in the demo domain — reviews, customer replies, support
 * answers — as openings the demo corpus (src/models/corpus/demoCorpus.ts) continues in both kind
 * and unkind ways, so that the word-level demo models and their sentiment reward have room to differ.
 */
const REVIEWS = [
  'The food was', 'The food', 'The coffee was', 'The room was', 'The hotel was', 'The hotel room', 'The price was', 'The trip was',
  'The movie was', 'The movie', 'The experience was', 'The weather was', 'The class was', 'The product is', 'The product', 'The app is',
  'The new update', 'The new update is', 'The documentation is', 'The delivery was', 'The delivery', 'The package arrived', 'The staff were', 'The staff',
  'The service was', 'The service', 'The manager was', 'The agent was', 'The meeting was', 'The code is', 'The code review', 'The build is',
  'The tests', 'The result was', 'The answer was', 'Everything was', 'It was a', 'It was', 'This is a', 'This was a',
  'I really like', 'I really', 'I love the', 'I hate the', 'I think the', 'I think this', 'I would recommend', 'I would never',
  'My day was', 'My friend was', 'What a',
];
const CUSTOMER_REPLIES = [
  'Thank you for', 'Thank you so', 'Thanks for the', 'Thanks a lot,', 'Thanks, but the', 'We appreciate your', 'We are sorry', 'We apologize for',
  'We are happy', 'We value your', 'We will fix', 'Sorry for the', 'Sorry, but this', 'I am sorry', 'I am glad', 'I am grateful',
  'Your order is', 'Your order was', 'Your order has', 'Your help was', 'Your team is', 'Your idea is', 'Have a nice', 'Have a great',
  'Good morning, how', 'Great work, thank', 'Well done, that', 'You did a', 'You have been', 'You are very',
];
const SUPPORT_ANSWERS = [
  'The customer service was', 'The customer service', 'The support team', 'The support team was', 'Please let me', 'Please check the', 'Please be patient,', 'Please send me',
  'Could you please', 'Would you mind', 'I would like', 'I will send', 'It works, but', 'It does not', 'My order never', 'My order arrived',
  'My team is', 'No problem, happy', 'Of course, it', 'That is a',
];

export const BUILTIN_PROMPTS: readonly EvalPrompt[] = [
  ...REVIEWS.map((text, i) => ({ id: `review-${i + 1}`, text })),
  ...CUSTOMER_REPLIES.map((text, i) => ({ id: `reply-${i + 1}`, text })),
  ...SUPPORT_ANSWERS.map((text, i) => ({ id: `support-${i + 1}`, text })),
];

/** The largest prompt file read (the same limit as a single prompt file). */
export const PROMPT_SET_LIMIT = 4 * 2 ** 20;

/**
 * A prompt file: JSONL (`{"prompt": …}` with an optional `id` per line) when its first non-empty line
 * starts with "{" (or the file is named *.jsonl), else plain text with one prompt per line. In JSONL
 * every non-empty line must be such an object: a line that is not is an error naming it (never a
 * quiet switch to plain text, which would evaluate the raw JSON lines as prompts). A leading
 * byte-order mark is dropped. Ids default to the line number, so editing the file's order changes
 * which items a resumed eval treats as done — give ids to be safe.
 */
export function parsePromptSet(content: string, source = 'prompt file'): EvalPrompt[] {
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
  const lines = content.split(/\r?\n/).map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => l.trim() !== '');
  const isJsonl = /\.jsonl$/i.test(source) || (lines.length > 0 && lines[0]!.l.trimStart().startsWith('{'));
  const out: EvalPrompt[] = [];
  for (const { l, n } of lines) {
    if (!isJsonl) {
      out.push({ id: `line-${n}`, text: l });
      continue;
    }
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      throw new Error(`${source}:${n}: not valid JSON (${(e as Error).message}); a JSONL prompt file has one {"prompt": …} object per line`);
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${source}:${n}: not a JSON object; a JSONL prompt file has one {"prompt": …} object per line`);
    const rec = o as { prompt?: unknown; id?: unknown };
    if (typeof rec.prompt !== 'string') throw new Error(`${source}:${n}: each line needs a string "prompt"`);
    if (rec.id !== undefined && typeof rec.id !== 'string' && typeof rec.id !== 'number') throw new Error(`${source}:${n}: "id" must be a string or a number`);
    const id = rec.id === undefined ? `line-${n}` : String(rec.id);
    out.push({ id, text: rec.prompt });
  }
  const ids = new Set<string>();
  for (const p of out) {
    if (ids.has(p.id)) throw new Error(`${source}: id ${JSON.stringify(p.id)} appears twice (ids identify items for resume)`);
    ids.add(p.id);
  }
  if (!out.length) throw new Error(`${source}: no prompts`);
  return out;
}

/**
 * Reads a prompt file: a regular file of at most PROMPT_SET_LIMIT bytes (a FIFO, a device such as
 * /dev/zero or a directory is refused before it is opened), UTF-8.
 */
export function readPromptSet(path: string): EvalPrompt[] {
  const content = readBoundedText(
    path,
    PROMPT_SET_LIMIT,
    (r) =>
      new Error(r.why === 'unreadable' ? `cannot read prompt file ${path}: ${r.code}` : r.why === 'too-large' ? `prompt file ${path} is larger than ${PROMPT_SET_LIMIT} bytes` : `prompt file ${path} is not a regular file`),
    { regularOnly: true },
  );
  return parsePromptSet(content, path);
}
