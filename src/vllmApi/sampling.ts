// Seeded random streams and token sampling (temperature, top-k, top-p) over a full log-probability vector.

/** A 32-bit mixing hash, to derive independent streams from (seed, prompt index, sample index). */
export function mix32(...xs: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const x of xs) {
    // Fold the high bits too, so seeds above 2^32 still give distinct streams.
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    for (const v of [lo, hi]) {
      h = Math.imul(h ^ v, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for sampling; returns uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SamplingOptions {
  temperature: number;
  topP: number;
  /** ≤ 0: off. */
  topK: number;
  /** Keep only tokens with p ≥ minP·p_max (llama.cpp's and vLLM's min_p); 0 or absent: off. */
  minP?: number;
}

/** Token ids sorted by log-probability, most likely first (ties by id, so the order is deterministic). */
export function rankOrder(logprobs: Float64Array): number[] {
  const ids = Array.from(logprobs.keys());
  ids.sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
  return ids;
}

/** The k most likely ids, most likely first (ties by lower id), without sorting the whole vocabulary. */
export function topIds(logprobs: Float64Array, k: number): number[] {
  const out: number[] = [];
  if (k <= 0) return out;
  for (let id = 0; id < logprobs.length; id++) {
    const v = logprobs[id]!;
    if (out.length === k && v <= logprobs[out[k - 1]!]!) continue;
    let i = out.length < k ? out.length : k - 1;
    if (out.length < k) out.push(id);
    while (i > 0 && logprobs[out[i - 1]!]! < v) {
      out[i] = out[i - 1]!;
      i--;
    }
    out[i] = id;
  }
  return out;
}

/** Draws one token id; temperature 0 is greedy (argmax, lowest id on ties). `banned` (e.g. EOS under ignore_eos) is never drawn. */
export function sampleToken(logprobs: Float64Array, opts: SamplingOptions, u: () => number, banned?: number): number {
  const lp = banned === undefined ? logprobs : Float64Array.from(logprobs, (v, id) => (id === banned ? -Infinity : v));
  if (opts.temperature === 0) return topIds(lp, 1)[0]!;
  const t = opts.temperature;
  let ids: number[];
  if (opts.topK > 0 || opts.topP < 1) ids = opts.topK > 0 ? topIds(lp, opts.topK) : rankOrder(lp);
  else ids = Array.from(lp.keys()); // plain sampling needs no order: skip the sort
  let max = -Infinity;
  for (const id of ids) max = Math.max(max, lp[id]!);
  if (max === -Infinity) throw new Error('no token has positive probability');
  // min_p compares the temperature-scaled probabilities with the top one, as llama.cpp and vLLM do.
  if (opts.minP && opts.minP > 0) {
    const floor = Math.log(opts.minP) * t;
    ids = ids.filter((id) => lp[id]! - max >= floor);
  }
  let weights = ids.map((id) => Math.exp((lp[id]! - max) / t));
  if (opts.topP < 1) {
    const total = weights.reduce((s, w) => s + w, 0);
    let acc = 0;
    let n = 0;
    // Keep the smallest prefix whose mass reaches top_p (always at least one token).
    while (n < weights.length && (n === 0 || acc < opts.topP * total)) acc += weights[n++]!;
    ids = ids.slice(0, n);
    weights = weights.slice(0, n);
  }
  const total = weights.reduce((s, w) => s + w, 0);
  let x = u() * total;
  for (let i = 0; i < ids.length; i++) {
    x -= weights[i]!;
    if (x < 0 && weights[i]! > 0) return ids[i]!;
  }
  for (let i = ids.length - 1; i >= 0; i--) if (weights[i]! > 0) return ids[i]!;
  throw new Error('no token has positive probability');
}
