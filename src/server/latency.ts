// The latency model of a continuously-batching GPU server (spec parsing, costs, critical path of a request schedule).

export interface LatencyOptions {
  /** Fixed overhead per HTTP request (parsing, tokenising, scheduling), ms; requests overlap freely here. */
  request: number;
  /** Prefill cost per prompt token not found in the prefix cache, ms. */
  prefill: number;
  /** One forward pass (a decode step of every running sequence, and any prefill it carries), ms at one sequence. */
  step: number;
  /** Relative growth of a step per extra sequence in it: step·(1 + stepGrowth·(seqs − 1)). */
  stepGrowth: number;
  /** Most sequences in one step (vLLM's max_num_seqs); the rest wait. */
  maxSeqs: number;
  /** Prefix-cache block size in tokens (vLLM caches whole blocks only). */
  block: number;
  /** Prefix-cache capacity in blocks (least recently used evicted first). */
  cacheBlocks: number;
}

/**
 * Calibrated on ../shared/GPU-COSTS.md (Llama-3-8B shape, one H200): prefill ≈ 37k tok/s
 * → 0.027 ms/token; a decode step ≈ 19 ms, flat to 160 sequences (+4% at 80: growth 0.0005);
 * 5 ms per request for HTTP, tokenisation and scheduling; vLLM's defaults of 256 sequences, 16-token blocks.
 */
export const VLLM_8B: LatencyOptions = { request: 5, prefill: 1000 / 37000, step: 19, stepGrowth: 0.0005, maxSeqs: 256, block: 16, cacheBlocks: 65536 };

export const NO_LATENCY: LatencyOptions = { request: 0, prefill: 0, step: 0, stepGrowth: 0, maxSeqs: 256, block: 16, cacheBlocks: 65536 };

export const PRESETS: Record<string, LatencyOptions> = { 'vllm-8b': VLLM_8B, off: NO_LATENCY, '0': NO_LATENCY };

export function isOff(o: LatencyOptions) {
  return o.request === 0 && o.prefill === 0 && o.step === 0;
}

/** "vllm-8b", "0", or "request=5,prefill=0.027,step=19,stepGrowth=0.0005" (unset keys: the vllm-8b preset); a preset may lead: "vllm-8b,step=25". */
export function parseLatency(spec: string | Partial<LatencyOptions> | undefined): LatencyOptions {
  if (spec === undefined) return NO_LATENCY;
  if (typeof spec !== 'string') return { ...VLLM_8B, ...spec };
  let out = { ...VLLM_8B };
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const preset = PRESETS[part];
    if (preset) {
      out = { ...preset };
      continue;
    }
    const [key, value] = part.split('=');
    if (!key || value === undefined || !(key in VLLM_8B)) throw new Error(`--latency: unknown part "${part}" (presets: ${Object.keys(PRESETS).join(', ')}; keys: ${Object.keys(VLLM_8B).join(', ')})`);
    const v = Number(value);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--latency: ${key} must be a non-negative number, got "${value}"`);
    (out as Record<string, number>)[key] = v;
  }
  return out;
}

/** One forward pass over `seqs` sequences carrying `prefillTokens` new prompt tokens. */
export function stepMs(o: LatencyOptions, seqs: number, prefillTokens: number): number {
  if (seqs <= 0) return 0;
  return o.step * (1 + o.stepGrowth * (seqs - 1)) + o.prefill * prefillTokens;
}

/** The part of a request the engine sees: per sequence, new (uncached) prompt tokens and tokens to generate. */
export interface SequenceCost {
  newPromptTokens: number;
  genTokens: number;
}

/**
 * A request alone on the server: its overhead, then one pass that prefills every sequence (and
 * yields each one's first token), then one decode step per further token of the longest sequence.
 */
export function isolatedRequestMs(o: LatencyOptions, seqs: readonly SequenceCost[]): number {
  if (seqs.length === 0) return o.request;
  let ms = o.request + stepMs(o, Math.min(seqs.length, o.maxSeqs), seqs.reduce((s, q) => s + q.newPromptTokens, 0));
  const longest = Math.max(...seqs.map((q) => q.genTokens));
  for (let t = 1; t < longest; t++) ms += stepMs(o, Math.min(o.maxSeqs, seqs.filter((q) => q.genTokens > t).length), 0);
  return ms;
}

export interface ScheduledRequest {
  id: string;
  /** Ids of requests that must finish before this one starts. */
  after?: string[];
  sequences: SequenceCost[];
}

/**
 * The critical path of a schedule: the longest chain of dependent requests, each costed as if
 * alone on the server. No schedule of the same requests can finish sooner under this model,
 * because sharing steps with other requests never makes a step cheaper.
 */
export function criticalPathMs(o: LatencyOptions, schedule: readonly ScheduledRequest[]): number {
  const byId = new Map(schedule.map((r) => [r.id, r]));
  const finish = new Map<string, number>();
  const visiting = new Set<string>();
  const end = (r: ScheduledRequest): number => {
    const known = finish.get(r.id);
    if (known !== undefined) return known;
    if (visiting.has(r.id)) throw new Error(`criticalPathMs: cycle through request "${r.id}"`);
    visiting.add(r.id);
    let start = 0;
    for (const dep of r.after ?? []) {
      const d = byId.get(dep);
      if (!d) throw new Error(`criticalPathMs: request "${r.id}" waits for unknown "${dep}"`);
      start = Math.max(start, end(d));
    }
    const t = start + isolatedRequestMs(o, r.sequences);
    finish.set(r.id, t);
    visiting.delete(r.id);
    return t;
  };
  return schedule.reduce((m, r) => Math.max(m, end(r)), 0);
}
