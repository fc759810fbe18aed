// Runs one completion on an in-process model: sampling, stop handling and the logprob records every dialect renders from.
import { mix32, rng, sampleToken, topIds } from './sampling.js';
import type { ServableModel } from './servable.js';

export interface GenParams {
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  /** Keep tokens with p ≥ minP·p_max (0: off). */
  minP: number;
  /** vLLM-style: a token already in the prompt or output has its logit divided (> 0) or multiplied (≤ 0) by this (1: off). */
  repetitionPenalty: number;
  stop: string[];
  /** Undefined: a fresh random stream per request. */
  seed?: number;
  /** Top alternatives to record per generated position; null records nothing, 0 only the sampled token. */
  logprobs: number | null;
  ignoreEos: boolean;
  /** Further ids that end a sample as EOS does (vLLM: generation_config's extra eos_token_id, as stop_token_ids). */
  stopTokenIds?: readonly number[];
  /** vLLM's logprob_token_ids: at each generated position, these ids' raw log-probabilities instead of the natural top-k. */
  logprobTokenIds?: readonly number[];
}

/** One position: the token there, its raw log-probability and rank, and the top alternatives of the raw distribution. */
export interface PositionLogprobs {
  id: number;
  logprob: number;
  rank: number;
  top: { id: number; logprob: number }[];
}

export interface Generation {
  ids: number[];
  /** Per generated token (EOS included when it ended the sample); empty unless logprobs were asked for. */
  positions: PositionLogprobs[];
  text: string;
  finish: 'stop' | 'length';
  /** The stop string matched, the stop token id (stopTokenIds), or null (EOS or length). */
  stopReason: string | number | null;
}

export function rankOf(lp: Float64Array, id: number): number {
  const v = lp[id]!;
  let r = 1;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > v) r++;
  return r;
}

export function position(lp: Float64Array, id: number, k: number, listed?: readonly number[]): PositionLogprobs {
  return { id, logprob: lp[id]!, rank: rankOf(lp, id), top: (listed ?? topIds(lp, k)).map((t) => ({ id: t, logprob: lp[t]! })) };
}

/** Log-probabilities of each prompt token given those before it; the first has no context (null, as vLLM reports). */
export function promptPositions(model: ServableModel, prompt: readonly number[], k: number): (PositionLogprobs | null)[] {
  return prompt.map((id, i) => (i === 0 ? null : position(model.nextLogprobs(prompt.slice(0, i)), id, k)));
}

/** The log-probabilities taken as the logits of vLLM's repetition penalty (they differ from the logits by a constant). */
function penalised(lp: Float64Array, seen: ReadonlySet<number>, penalty: number): Float64Array {
  const out = Float64Array.from(lp);
  for (const id of seen) if (id < out.length) out[id] = out[id]! > 0 ? out[id]! / penalty : out[id]! * penalty;
  return out;
}

/** Python-style code point length, which is what vLLM's text_offset counts. */
export const codePoints = (s: string) => [...s].length;

/** The earliest stop string in `text` (the text is cut before it), as vLLM's stop checker does; null when none occurs. */
export function firstStop(text: string, stops: readonly string[]): { at: number; stop: string } | null {
  let hit: { at: number; stop: string } | null = null;
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0 && (!hit || at < hit.at)) hit = { at, stop };
  }
  return hit;
}

export function generate(model: ServableModel, prompt: readonly number[], p: GenParams, stream: { promptIndex: number; sampleIndex: number; requestNonce: number }): Generation {
  const seed = p.seed !== undefined ? mix32(p.seed, stream.promptIndex, stream.sampleIndex) : mix32(stream.requestNonce, stream.promptIndex, stream.sampleIndex);
  const u = rng(seed);
  const ids: number[] = [];
  const positions: PositionLogprobs[] = [];
  const ctx = [...prompt];
  const room = Math.max(0, model.maxModelLen - prompt.length);
  const limit = Math.min(p.maxTokens, room);
  const opts = { temperature: p.temperature, topP: p.topP, topK: p.topK, minP: p.minP };
  const seen = new Set<number>(p.repetitionPenalty !== 1 ? prompt : []);
  while (ids.length < limit) {
    const lp = model.nextLogprobs(ctx);
    // The penalty changes what is drawn, never the reported log-probabilities (vLLM's raw_logprobs mode).
    const id = sampleToken(p.repetitionPenalty !== 1 ? penalised(lp, seen, p.repetitionPenalty) : lp, opts, u, p.ignoreEos ? model.eosId : undefined);
    if (p.repetitionPenalty !== 1) seen.add(id);
    if (p.logprobs !== null) positions.push(position(lp, id, p.logprobs, p.logprobTokenIds));
    if (id === model.eosId) return { ids: [...ids, id], positions, text: model.decode(ids), finish: 'stop', stopReason: null };
    if (p.stopTokenIds?.includes(id)) return { ids: [...ids, id], positions, text: model.decode(ids), finish: 'stop', stopReason: id };
    ids.push(id);
    ctx.push(id);
    if (p.stop.length) {
      const text = model.decode(ids);
      const hit = firstStop(text, p.stop);
      if (hit) return { ids, positions, text: text.slice(0, hit.at), finish: 'stop', stopReason: hit.stop };
    }
  }
  return { ids, positions, text: model.decode(ids), finish: 'length', stopReason: null };
}
