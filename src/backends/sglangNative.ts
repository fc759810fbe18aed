// SGLang's native POST /generate: token ids end to end (its /v1/completions answers token texts only).
//
// Read from sgl-project/sglang (../shared/SERVERS-AUDIT.md "Better route"; python/sglang/srt/managers/io_struct.py
// GenerateReqInput and tokenizer_manager.py as stored): input_ids (a list of id lists is a batch), sampling_params
// {temperature, max_new_tokens, n, top_k, top_p, min_p, repetition_penalty, presence/frequency_penalty, stop},
// return_logprob, top_logprobs_num, logprob_start_len, return_text_in_logprobs. A batch answers a list, prompt-major
// (index = prompt·n + sample: _handle_batch_request appends the generators in that order); each item is
// {text, meta_info: {finish_reason: {type, matched}, output_token_logprobs: [[logprob, id, text|null]],
// output_top_logprobs: [[[logprob, id, text|null]] per position], input_token_logprobs, input_top_logprobs}}.
// input_token_logprobs start at logprob_start_len with a null (scheduler _process_input_token_logprobs:
// "[None] + input_token_logprobs[:-1]"). Texts are not asked for (return_text_in_logprobs false): SentencePiece
// tokenizers drop a token's leading space when it is decoded alone; /v1/detokenize with a marker keeps it.
// Not checked against a running SGLang: the probe only picks this route when /generate answers in this shape.
import type { Capabilities } from './capabilities';
import type { Endpoint } from './endpoint';

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

const NEUTRAL = { top_k: -1, top_p: 1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };

export interface GenerateAsk {
  prompts: number[][];
  n: number;
  temperature: number;
  maxTokens: number;
  topK: number;
  stop?: string[];
  /** Score each input from this position on (input_token_logprobs); absent: the output only. */
  logprobStart?: number[];
}

export function generateBody(a: GenerateAsk): Record<string, unknown> {
  return {
    input_ids: a.prompts,
    sampling_params: { ...NEUTRAL, temperature: a.temperature, max_new_tokens: a.maxTokens, n: a.n, ...(a.stop?.length ? { stop: a.stop } : {}) },
    return_logprob: true,
    top_logprobs_num: a.topK,
    logprob_start_len: a.logprobStart ?? -1,
    return_text_in_logprobs: false,
  };
}

type Triple = [number | null, number, string | null];
interface Item {
  text?: unknown;
  meta_info?: { finish_reason?: { type?: unknown; matched?: unknown } | null; output_token_logprobs?: Triple[]; output_top_logprobs?: Array<Triple[] | null>; input_token_logprobs?: Triple[] };
}

const entry = (t: Triple) => ({ id: t[1], ...(typeof t[2] === 'string' ? { token: t[2] } : {}), logprob: t[0] });

/** The answer as completion choices in the content shape (with ids), and the input logprobs of each prompt. */
export function asCompletion(answer: unknown): { choices: unknown[]; input: Array<Array<number | null>> } {
  const items = (Array.isArray(answer) ? answer : [answer]) as Item[];
  const choices = items.map((it, index) => {
    const m = it?.meta_info ?? {};
    const out = Array.isArray(m.output_token_logprobs) ? m.output_token_logprobs : [];
    const tops = Array.isArray(m.output_top_logprobs) ? m.output_top_logprobs : [];
    const matched = m.finish_reason?.matched;
    return {
      index,
      text: typeof it?.text === 'string' ? it.text : '',
      logprobs: { content: out.map((t, i) => ({ ...entry(t), top_logprobs: (tops[i] ?? []).map(entry) })) },
      finish_reason: m.finish_reason?.type === 'length' ? 'length' : 'stop',
      // The stop string, or the id of the (EOS or stop) token that ended it.
      matched_stop: typeof matched === 'string' || typeof matched === 'number' ? matched : null,
    };
  });
  return { choices, input: items.map((it) => (Array.isArray(it?.meta_info?.input_token_logprobs) ? it.meta_info!.input_token_logprobs!.map((t) => t[0]) : [])) };
}

/** Whether the server answers /generate with ids in that shape (a one-token greedy ask). */
export async function hasGenerate(ep: Endpoint, ids: number[], signal?: AbortSignal): Promise<boolean> {
  try {
    const r = asCompletion(await ep.request({ root: '/generate' }, generateBody({ prompts: [ids], n: 1, temperature: 0, maxTokens: 1, topK: 2 }), { signal }));
    const c = r.choices[0] as { logprobs: { content: Array<{ id: unknown; top_logprobs: unknown[] }> } } | undefined;
    return !!c && typeof c.logprobs.content[0]?.id === 'number' && c.logprobs.content[0]!.top_logprobs.length === 2;
  } catch {
    return false;
  }
}
