// SGLang: its native POST /generate (token ids end to end) when it answers; else /v1/completions in text mode
// (token texts in the logprobs, no "token_id:N"; echo scoring needs max_tokens ≥ 1; /v1/tokenize and /v1/detokenize).
//
// Read from sgl-project/sglang (../shared/SERVERS-AUDIT.md "Better route"; python/sglang/srt/managers/io_struct.py
// GenerateReqInput and tokenizer_manager.py as stored): input_ids (a list of id lists is a batch), sampling_params
// {temperature, max_new_tokens, n, top_k, top_p, min_p, repetition_penalty, presence/frequency_penalty, stop},
// return_logprob, top_logprobs_num, logprob_start_len, return_text_in_logprobs. A batch answers a list, prompt-major
// (index = prompt·n + sample: _handle_batch_request appends the generators in that order); each item is
// {text, meta_info: {finish_reason: {type, matched} | {type: "abort", message}, output_token_logprobs: [[logprob, id, text|null]],
// output_top_logprobs: [[[logprob, id, text|null]] per position], input_token_logprobs, input_top_logprobs}}.
// input_token_logprobs start at logprob_start_len with a null (scheduler _process_input_token_logprobs:
// "[None] + input_token_logprobs[:-1]"). Texts are not asked for (return_text_in_logprobs false): SentencePiece
// tokenizers drop a token's leading space when it is decoded alone; /v1/detokenize with a marker keeps it.
// Every part of the answer is checked (validate.ts): an abort is an error, another finish shape a protocol error,
// a log-probability above 0 or a null entry a protocol error naming /generate.
// Not checked against a running SGLang: the probe only picks this route when /generate answers in this shape.
import { TqError } from '../../core/errors';
import type { CallOptions } from '../../core/model';
import { completionsSession } from '../completionsRoute';
import type { Endpoint } from '../endpoint';
import { parseCompletion } from '../parse';
import { arrayAt, describeValue, finishOf, logprobOf, objectAt, rejectErrorBody } from '../validate';
import type { Capabilities, DialectContext, DialectSession, ServerDialect } from './dialect';
import { VLLM_NEUTRAL } from './vllm';

const ROUTE = { root: '/generate' } as const;

export const SGLANG_NATIVE: Capabilities = {
  dialect: 'sglang',
  maxTopK: 20,
  tokenIdPrompts: true,
  multiPrompt: true,
  n: true,
  scoring: 'generate',
  echoNeedsToken: false,
  tokenize: 'v1',
  idsBack: 'generate',
  logprobsShape: 'llamacpp',
};

interface GenerateAsk {
  prompts: number[][];
  n: number;
  temperature: number;
  maxTokens: number;
  topK: number;
  stop?: string[];
  /** Score each input from this position on (input_token_logprobs); absent: the output only. */
  logprobStart?: number[];
}

function generateBody(a: GenerateAsk): Record<string, unknown> {
  return {
    input_ids: a.prompts,
    sampling_params: { ...VLLM_NEUTRAL, temperature: a.temperature, max_new_tokens: a.maxTokens, n: a.n, ...(a.stop?.length ? { stop: a.stop } : {}) },
    return_logprob: true,
    top_logprobs_num: a.topK,
    logprob_start_len: a.logprobStart ?? -1,
    return_text_in_logprobs: false,
  };
}

/** One [logprob, id, text|null] triple, checked: a list with a number id (the logprob is checked where it is read). */
function triple(x: unknown, url: string, field: string): { id: number; token?: string; logprob: unknown } {
  const t = arrayAt(x, url, field);
  if (t.length < 2 || typeof t[1] !== 'number' || !Number.isInteger(t[1])) throw new TqError('protocol', `${url}: ${field} is ${describeValue(x)}, not [logprob, token id, text]`, { url });
  return { id: t[1], ...(typeof t[2] === 'string' ? { token: t[2] } : {}), logprob: t[0] };
}

/** The answer as completion choices in the content shape (with ids), and the checked input log-probabilities of each prompt. */
function asCompletion(answer: unknown, url: string): { choices: unknown[]; input: Array<Array<number | null>> } {
  rejectErrorBody(answer, url);
  const items = (Array.isArray(answer) ? answer : [answer]).map((x, i) => {
    const it = objectAt(x, url, `[${i}]`);
    rejectErrorBody(it, url);
    return it;
  });
  const choices = items.map((it, index) => {
    const m = objectAt(it.meta_info, url, `[${index}].meta_info`);
    const f = `[${index}].meta_info`;
    const out = arrayAt(m.output_token_logprobs, url, `${f}.output_token_logprobs`, true);
    const tops = arrayAt(m.output_top_logprobs, url, `${f}.output_top_logprobs`, true);
    if (typeof it.text !== 'string') throw new TqError('protocol', `${url}: [${index}].text is ${describeValue(it.text)}, not a string`, { url });
    const fr = m.finish_reason;
    if (!fr || typeof fr !== 'object' || Array.isArray(fr)) throw new TqError('protocol', `${url}: ${f}.finish_reason is ${describeValue(fr)}, not {type, …}`, { url });
    const { type, matched, message } = fr as { type?: unknown; matched?: unknown; message?: unknown };
    const finish = finishOf(type, url, `${f}.finish_reason.type`, message);
    if (finish === null) throw new TqError('protocol', `${url}: ${f}.finish_reason has no "type"`, { url });
    return {
      index,
      text: it.text,
      logprobs: {
        content: out.map((t, i) => ({
          ...triple(t, url, `${f}.output_token_logprobs[${i}]`),
          top_logprobs: arrayAt(tops[i], url, `${f}.output_top_logprobs[${i}]`, true).map((x, j) => triple(x, url, `${f}.output_top_logprobs[${i}][${j}]`)),
        })),
      },
      finish_reason: finish,
      // The stop string, or the id of the (EOS or stop) token that ended it.
      matched_stop: typeof matched === 'string' || typeof matched === 'number' ? matched : null,
    };
  });
  const input = items.map((it, index) => {
    const f = `[${index}].meta_info.input_token_logprobs`;
    return arrayAt((it.meta_info as Record<string, unknown>).input_token_logprobs, url, f, true).map((x, j) => logprobOf(arrayAt(x, url, `${f}[${j}]`)[0], { url, field: `${f}[${j}][0]` }));
  });
  return { choices, input };
}

/** Whether the server answers /generate with ids in that shape (a one-token greedy ask). */
async function hasGenerate(ep: Endpoint, ids: number[], opts: CallOptions): Promise<boolean> {
  try {
    const r = asCompletion(await ep.request(ROUTE, generateBody({ prompts: [ids], n: 1, temperature: 0, maxTokens: 1, topK: 2 }), opts), ep.urlOf(ROUTE));
    const c = r.choices[0] as { logprobs: { content: Array<{ id: unknown; top_logprobs: unknown[] }> } } | undefined;
    return !!c && typeof c.logprobs.content[0]?.id === 'number' && c.logprobs.content[0]!.top_logprobs.length === 2;
  } catch (e) {
    if (e instanceof TqError && e.kind === 'aborted') throw e;
    return false;
  }
}

function nativeSession(ctx: DialectContext): DialectSession {
  const { ep } = ctx;
  const url = ep.urlOf(ROUTE);
  return {
    route: ROUTE,
    async generate(ask, opts) {
      const b = ask.body;
      const body = generateBody({ prompts: ask.prompts as number[][], n: ask.n, temperature: b.temperature as number, maxTokens: b.max_tokens as number, topK: Number(b.logprobs ?? 0), ...(Array.isArray(b.stop) ? { stop: b.stop as string[] } : {}) });
      return parseCompletion(asCompletion(await ep.request(ROUTE, body, opts), url), ctx.caps, url, ask.n, ask.topPositions, { topK: ask.topK });
    },
    /** log p of each continuation token from input_token_logprobs, the next top-k from one generated position. */
    async scoreNative(req, opts) {
      const full = req.items.map((it) => [...it.prompt, ...it.continuation]);
      const start = req.items.map((it) => Math.max(0, it.prompt.length - 1));
      const k = req.nextTopK ?? 0;
      const answer = asCompletion(await ep.request(ROUTE, generateBody({ prompts: full, n: 1, temperature: 0, maxTokens: 1, topK: Math.max(1, k), logprobStart: start }), opts), url);
      const choices = parseCompletion({ choices: answer.choices }, ctx.caps, url, 1);
      return req.items.map((it, i) => {
        const input = answer.input[i] ?? [];
        const logprobs = it.continuation.map((_, j) => input[it.prompt.length + j - start[i]!]);
        if (logprobs.some((x) => typeof x !== 'number')) throw new TqError('protocol', `${url}: a scored position has no log-probability (input_token_logprobs)`, { url, setting: `${ep.settingPrefix}.dialect` });
        return { logprobs: logprobs as number[], next: k > 0 ? (choices[i]?.positions[0]?.top.slice(0, k) ?? null) : undefined };
      });
    },
    // matched_stop is the id of the token that ended it: EOS unless stop tokens were set.
    endedByEos: (c, stop) => {
      const last = c.positions[c.positions.length - 1]?.key;
      return typeof c.raw.matched_stop === 'number' && last !== undefined && 'id' in last && c.raw.matched_stop === last.id && stop.length === 0;
    },
  };
}

export const sglang: ServerDialect = {
  name: 'sglang',
  caps: { dialect: 'sglang', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'echo', echoNeedsToken: true, tokenize: 'v1', idsBack: 'none', logprobsShape: 'legacy' },
  neutral: VLLM_NEUTRAL,
  open: (ctx) => (ctx.caps.idsBack === 'generate' ? nativeSession(ctx) : completionsSession(ctx)),
  // SGLang's /v1/completions gives texts only; its native /generate gives ids end to end when it answers. Newer
  // SGLang also serves /tokenize at the root (SERVERS-AUDIT.md), which looks like "openai" with a tokenizer.
  async probe(ep, caps, ids, opts) {
    if (!((caps.dialect === 'sglang' || (caps.dialect === 'openai' && caps.tokenize !== 'none')) && ids && (await hasGenerate(ep, ids, opts)))) return undefined;
    return { caps: { ...SGLANG_NATIVE, maxTopK: caps.maxTopK }, info: ['SGLang native /generate answers with token ids: used instead of /v1/completions, ids end to end'] };
  },
};
