// SGLang's /v1/completions, /v1/tokenize and /v1/detokenize shapes: token *texts* in legacy logprobs, no ids, max_tokens ≥ 1.
//
// Read from sgl-project/sglang (python/sglang/srt/entrypoints/openai/):
//   serving_completions.py — prompts str | str[] | int[] | int[][], an empty or whitespace-only string is refused;
//     logprobs always come with return_text_in_logprobs=True (token texts, never ids); echo adds the prompt's
//     logprobs only when `echo and logprobs` is truthy (logprobs 0 gives none); echo text of id prompts is
//     decode(ids, skip_special_tokens=True); choice index = prompt_idx·n + sample_idx; finish_reason plus
//     matched_stop (the stop string, or the EOS id) and no stop_reason.
//   utils.py to_openai_style_logprobs — {tokens: texts, token_logprobs, top_logprobs: [{text: logprob}],
//     text_offset: -1 everywhere}; the dict is built by rank, so a later token with the same text overwrites
//     an earlier one, and it holds the top-k only (the sampled token is not added).
//   protocol.py CompletionRequest — max_tokens validator "max_tokens must be positive" (so echo scoring needs
//     max_tokens ≥ 1); unknown fields (return_tokens_as_token_ids, prompt_logprobs) are ignored by pydantic;
//     ErrorResponse is top-level {object: "error", message, type, param, code}.
//   serving_tokenize.py — /v1/tokenize {prompt: str | str[], add_special_tokens} → {tokens, count, max_model_len};
//     /v1/detokenize {tokens: int[] | int[][], skip_special_tokens} → {text}.
// Not confirmed: a cap on `logprobs` (we keep the reference server's 20), the exact status of a validation error
// (we answer 400), the text SGLang gives special tokens in logprobs (we give the vocabulary's spelling, e.g. "</s>").
import type { CompletionJob } from '../vllmApi/completionRequest.js';
import { completionEnvelope } from '../vllmApi/dialectVllm.js';
import type { PositionLogprobs } from '../vllmApi/generate.js';
import { badRequest, type HttpError } from '../vllmApi/httpError.js';
import type { PromptResult } from '../vllmApi/runCompletion.js';
import type { ServableModel } from '../vllmApi/servable.js';

export function sglangError(e: HttpError) {
  // FastAPI answers an unknown route itself.
  if (e.status === 404 && e.message.startsWith('Not Found')) return { detail: 'Not Found' };
  return { object: 'error', message: e.message, type: e.type, param: e.param, code: e.status };
}

/** Runs before parsing: the pydantic validator and _validate_request. */
export function sglangPrecheck(body: Record<string, unknown>) {
  const mt = body.max_tokens;
  if (typeof mt === 'number' && mt <= 0) throw badRequest('1 validation error for CompletionRequest\nmax_tokens\n  Value error, max_tokens must be positive', 'max_tokens');
  const p = body.prompt;
  if (typeof p === 'string' && !p.trim()) throw badRequest('Prompt cannot be empty or whitespace only', 'prompt');
}

/** Fields SGLang's CompletionRequest does not declare are dropped by pydantic, not refused. */
export function sglangCheck(job: CompletionJob) {
  job.promptLogprobs = null;
  job.returnTokensAsIds = false;
}

/** Specials keep their spelling (the EOS shows as "</s>"); other tokens are decoded one by one. */
function tokenText(model: ServableModel, id: number): string {
  return id === model.eosId || id === model.bosId ? model.vocab[id]! : model.decode([id]);
}

function sglangLogprobs(model: ServableModel, ids: number[], positions: (PositionLogprobs | null)[]) {
  const tokens: string[] = [];
  const token_logprobs: (number | null)[] = [];
  const top_logprobs: (Record<string, number> | null)[] = [];
  ids.forEach((id, i) => {
    const pos = positions[i] ?? null;
    tokens.push(tokenText(model, id));
    token_logprobs.push(pos === null ? null : pos.logprob);
    if (pos === null) top_logprobs.push(null);
    else {
      const dict: Record<string, number> = {};
      for (const t of pos.top) dict[tokenText(model, t.id)] = t.logprob;
      top_logprobs.push(dict);
    }
  });
  return { text_offset: ids.map(() => -1), token_logprobs, tokens, top_logprobs };
}

export function sglangCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  // `if request.echo and request.logprobs`: logprobs 0 (falsy) leaves the prompt's logprobs out.
  const promptLps = job.echo && (job.gen.logprobs ?? 0) > 0;
  const choices = results.flatMap((r, promptIndex) =>
    r.samples.map((g, sampleIndex) => {
      const ids = promptLps ? [...r.promptIds, ...g.ids] : g.ids;
      const positions = promptLps ? [...(r.promptPositions ?? r.promptIds.map(() => null)), ...g.positions] : g.positions;
      const eosEnded = g.finish === 'stop' && g.stopReason === null;
      return {
        index: promptIndex * job.n + sampleIndex,
        text: job.echo ? r.promptText + g.text : g.text,
        logprobs: job.gen.logprobs === null ? null : sglangLogprobs(job.model, ids, positions),
        finish_reason: g.finish,
        matched_stop: g.stopReason ?? (eosEnded ? job.model.eosId : null),
      };
    }),
  );
  return completionEnvelope(job, results, id, created, choices);
}

/** /v1/tokenize: one prompt gives a flat list, several give one list each. */
export function sglangTokenize(model: ServableModel, body: Record<string, unknown>, special: (ids: number[], add: boolean) => number[]) {
  const add = body.add_special_tokens !== false;
  const p = body.prompt;
  if (typeof p === 'string') {
    const tokens = special(model.encode(p), add);
    return { tokens, count: tokens.length, max_model_len: model.maxModelLen };
  }
  if (Array.isArray(p) && p.every((s) => typeof s === 'string')) {
    const tokens = p.map((s) => special(model.encode(s), add));
    return { tokens, count: tokens.map((t) => t.length), max_model_len: model.maxModelLen };
  }
  throw badRequest(`Invalid prompt type: ${typeof p}. Expected str or List[str].`, 'prompt');
}

export function sglangDetokenize(model: ServableModel, body: Record<string, unknown>) {
  const t = body.tokens;
  const ok = (ids: unknown) => Array.isArray(ids) && ids.every((x) => Number.isInteger(x) && x >= 0 && x < model.vocab.length);
  if (Array.isArray(t) && t.length === 0) return { text: '' };
  if (ok(t)) return { text: model.decode(t as number[]) };
  if (Array.isArray(t) && t.every(ok)) return { text: (t as number[][]).map((ids) => model.decode(ids)) };
  throw badRequest("Invalid input: 'tokens' must be a list of integers.", 'tokens');
}

/**
 * The native POST /generate as the OpenAI-style body the reference server runs: input_ids (one list, or a batch),
 * sampling_params, return_logprob / top_logprobs_num, logprob_start_len (see src/backends/sglangNative.ts for the
 * source reading). Text inputs ("text") are accepted too.
 */
export function sglangGenerateAsCompletion(body: Record<string, unknown>): { completion: Record<string, unknown>; batch: boolean; starts: number[] } {
  const ids = body.input_ids;
  const text = body.text;
  const batch = Array.isArray(ids) ? Array.isArray(ids[0]) : Array.isArray(text);
  const prompt = ids ?? text;
  if (prompt === undefined) throw badRequest('Either text or input_ids should be provided.');
  const sp = (body.sampling_params && typeof body.sampling_params === 'object' ? body.sampling_params : {}) as Record<string, unknown>;
  const n = typeof sp.n === 'number' ? sp.n : 1;
  const count = batch ? (prompt as unknown[]).length : 1;
  const startRaw = body.logprob_start_len;
  const starts = Array.from({ length: count }, (_, i) => (Array.isArray(startRaw) ? Number(startRaw[i]) : typeof startRaw === 'number' ? startRaw : -1));
  const k = typeof body.top_logprobs_num === 'number' ? body.top_logprobs_num : 0;
  return {
    batch,
    starts,
    completion: {
      model: body.model,
      prompt,
      n,
      max_tokens: typeof sp.max_new_tokens === 'number' ? sp.max_new_tokens : 128,
      temperature: sp.temperature ?? 1,
      top_p: sp.top_p,
      top_k: sp.top_k,
      min_p: sp.min_p,
      repetition_penalty: sp.repetition_penalty,
      stop: sp.stop,
      logprobs: body.return_logprob === true ? k : null,
      // The input positions are scored whenever some item asks for them (logprob_start_len ≥ 0).
      ...(body.return_logprob === true && starts.some((s) => s >= 0) ? { prompt_logprobs: k } : {}),
    },
  };
}

/** /generate's answer: one item per (prompt, sample), prompt-major; a single input without n > 1 answers one object. */
export function sglangGenerateAnswer(job: CompletionJob, results: PromptResult[], batch: boolean, starts: number[], withText: boolean) {
  const t = (lp: number | null, id: number): [number | null, number, string | null] => [lp, id, withText ? tokenText(job.model, id) : null];
  const items = results.flatMap((r, p) =>
    r.samples.map((g) => {
      const start = starts[p] ?? -1;
      const input = start >= 0 && r.promptPositions ? r.promptIds.slice(start).map((id, j) => t(j === 0 ? null : r.promptPositions![start + j]!.logprob, id)) : [];
      const eosEnded = g.finish === 'stop' && g.stopReason === null;
      return {
        text: g.text,
        meta_info: {
          id: `gen-${p}`,
          finish_reason: g.finish === 'length' ? { type: 'length', length: g.ids.length } : { type: 'stop', matched: g.stopReason ?? (eosEnded ? job.model.eosId : null) },
          prompt_tokens: r.promptIds.length,
          completion_tokens: g.ids.length,
          ...(job.gen.logprobs === null
            ? {}
            : {
                output_token_logprobs: g.positions.map((q) => t(q.logprob, q.id)),
                output_top_logprobs: g.positions.map((q) => q.top.map((x) => t(x.logprob, x.id))),
                input_token_logprobs: input,
              }),
        },
      };
    }),
  );
  return batch || items.length > 1 ? items : items[0];
}
