// vLLM's response shapes: legacy completions logprobs (with its k+1 and string-key quirks), prompt_logprobs, errors.
import type { CompletionJob } from './completionRequest.js';
import { codePoints, type PositionLogprobs } from './generate.js';
import { badRequest, type HttpError } from './httpError.js';
import type { PromptResult } from './runCompletion.js';
import type { ServableModel } from './servable.js';

/** vLLM clamps −inf so that the JSON stays valid. */
const clamp = (x: number) => Math.max(x, -9999);

/** vLLM's MAX_LOGPROB_TOKEN_IDS (sampling_params.py @00388f6: the sampler's per-request row width). */
export const MAX_LOGPROB_TOKEN_IDS = 128;

/**
 * vLLM's `logprob_token_ids` (PR #43463, merged 2026-07): at each generated position the raw
 * log-probabilities of exactly these ids, in addition to the sampled token, instead of the natural
 * top-k (to_sampling_params passes logprobs=None; the serving renders every entry of the dict).
 * Checks and messages of CompletionRequest.check_logprobs (completion/protocol.py @002032e) and
 * SamplingParams._validate_logprobs (sampling_params.py @00388f6). Sets job.gen.logprobTokenIds.
 */
export function vllmLogprobTokenIds(body: Record<string, unknown>, job: CompletionJob): void {
  const ids = body.logprob_token_ids;
  if (ids === undefined || ids === null) return;
  if (!Array.isArray(ids) || !ids.every((t) => typeof t === 'number' && Number.isInteger(t))) throw badRequest('logprob_token_ids: Input should be a valid list of integers.', 'logprob_token_ids');
  if (ids.length === 0) throw badRequest('`logprob_token_ids` must not be an empty list.', 'logprob_token_ids');
  if (job.echo && job.gen.maxTokens === 0)
    throw badRequest('`logprob_token_ids` is not supported when `echo=True` and `max_tokens=0` because no output tokens are generated.', 'logprob_token_ids');
  if (job.gen.logprobs === null) throw badRequest('when using `logprob_token_ids`, `logprobs` must be set.', 'logprob_token_ids');
  if (ids.length > MAX_LOGPROB_TOKEN_IDS) throw badRequest(`Requested logprob_token_ids of length ${ids.length}, which is greater than max allowed: ${MAX_LOGPROB_TOKEN_IDS}`, 'logprob_token_ids');
  const V = job.model.vocab.length;
  const bad = (ids as number[]).filter((t) => t < 0 || t >= V);
  if (bad.length) throw badRequest(`token_id(s) [${bad.join(', ')}] in logprob_token_ids contain out-of-vocab token ids. Vocabulary size: ${V}`, 'logprob_token_ids');
  job.gen.logprobTokenIds = ids as number[];
}

export function vllmError(e: HttpError) {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.status } };
}

function tokenString(model: ServableModel, id: number, asIds: boolean): string {
  return asIds ? `token_id:${id}` : model.vocab[id]!;
}

/**
 * vLLM's `_create_completion_logprobs`: the position's dict holds the sampled token first, then the
 * top-k by rank (k+1 entries when the sampled token is not among them), keyed by token *string*, so
 * distinct ids with the same text collide (the later value wins, the first position stays).
 */
function legacyLogprobs(model: ServableModel, ids: number[], positions: (PositionLogprobs | null)[], asIds: boolean) {
  const tokens: string[] = [];
  const token_logprobs: (number | null)[] = [];
  const top_logprobs: (Record<string, number> | null)[] = [];
  const text_offset: number[] = [];
  let offset = 0;
  ids.forEach((id, i) => {
    const pos = positions[i] ?? null;
    const token = tokenString(model, id, asIds);
    tokens.push(token);
    if (pos === null) {
      token_logprobs.push(null);
      top_logprobs.push(null);
    } else {
      token_logprobs.push(clamp(pos.logprob));
      const entries = new Map<number, number>([[pos.id, pos.logprob]]);
      for (const t of pos.top) entries.set(t.id, t.logprob);
      const dict: Record<string, number> = {};
      for (const [tid, lp] of entries) dict[tokenString(model, tid, asIds)] = clamp(lp);
      top_logprobs.push(dict);
    }
    text_offset.push(offset);
    offset += codePoints(token);
  });
  return { text_offset, token_logprobs, tokens, top_logprobs };
}

function promptLogprobsShape(model: ServableModel, positions: (PositionLogprobs | null)[]) {
  return positions.map((pos) => {
    if (pos === null) return null;
    const out: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
    out[String(pos.id)] = { logprob: clamp(pos.logprob), rank: pos.rank, decoded_token: model.vocab[pos.id]! };
    pos.top.forEach((t, r) => {
      if (!(String(t.id) in out)) out[String(t.id)] = { logprob: clamp(t.logprob), rank: r + 1, decoded_token: model.vocab[t.id]! };
    });
    return out;
  });
}

export function vllmCompletion(job: CompletionJob, results: PromptResult[], id: string, created: number) {
  const choices = results.flatMap((r, promptIndex) =>
    r.samples.map((g, sampleIndex) => {
      const ids = job.echo ? [...r.promptIds, ...g.ids] : g.ids;
      const positions = job.echo ? [...(r.promptPositions ?? r.promptIds.map(() => null)), ...g.positions] : g.positions;
      return {
        index: promptIndex * job.n + sampleIndex,
        text: job.echo ? r.promptText + g.text : g.text,
        logprobs: job.gen.logprobs === null ? null : legacyLogprobs(job.model, ids, positions, job.returnTokensAsIds),
        finish_reason: g.finish,
        stop_reason: g.stopReason,
        prompt_logprobs: r.promptPositions ? promptLogprobsShape(job.model, r.promptPositions) : null,
      };
    }),
  );
  return completionEnvelope(job, results, id, created, choices);
}

/** The `text_completion` object around a dialect's choices, with usage counted over every prompt and sample (vLLM and SGLang agree on it). */
export function completionEnvelope<C>(job: CompletionJob, results: PromptResult[], id: string, created: number, choices: C[]) {
  const promptTokens = results.reduce((s, r) => s + r.promptIds.length, 0);
  const completionTokens = results.reduce((s, r) => s + r.samples.reduce((a, g) => a + g.ids.length, 0), 0);
  return {
    id,
    object: 'text_completion' as const,
    created,
    model: job.model.name,
    choices,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, prompt_tokens_details: null },
  };
}
