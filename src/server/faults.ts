// Fault injection: delays, 429/500 answers, dropped connections and malformed JSON, by seeded probability or every Nth request.
import { rng } from '../vllmApi/sampling.js';

export type FaultKind = '429' | '500' | 'drop' | 'malformed';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', 'drop', 'malformed'];

/** When a rule fires: with probability p per request, and/or on every Nth request (N, 2N, …). */
export interface FaultTrigger {
  p?: number;
  every?: number;
}

export interface FaultOptions {
  '429'?: FaultTrigger;
  '500'?: FaultTrigger;
  drop?: FaultTrigger;
  malformed?: FaultTrigger;
  delay?: FaultTrigger & { ms: number };
  /** Seconds sent in Retry-After with a 429. */
  retryAfter?: number;
  seed?: number;
}

export interface FaultDecision {
  delayMs: number;
  kind: FaultKind | null;
}

function trigger(v: string, part: string): FaultTrigger {
  const every = v.match(/^@(\d+)$/);
  if (every) return { every: Number(every[1]) };
  const p = Number(v);
  if (!(p >= 0 && p <= 1)) throw new Error(`--faults: "${part}": expected a probability in [0, 1] or @N (every Nth request)`);
  return { p };
}

/** "429:0.1,500:0.05,drop:@7,malformed:0.05,delay=200:0.1,retryAfter=1,seed=1". */
export function parseFaults(spec: string | FaultOptions | undefined): FaultOptions {
  if (spec === undefined) return {};
  if (typeof spec !== 'string') return spec;
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const delay = part.match(/^delay=(\d+(?:\.\d+)?):(.+)$/);
    const kv = part.match(/^(seed|retryAfter)=(\d+(?:\.\d+)?)$/);
    const fault = part.match(/^(429|500|drop|malformed):(.+)$/);
    if (delay) out.delay = { ms: Number(delay[1]), ...trigger(delay[2]!, part) };
    else if (kv) out[kv[1] as 'seed' | 'retryAfter'] = Number(kv[2]);
    else if (fault) out[fault[1] as FaultKind] = trigger(fault[2]!, part);
    else throw new Error(`--faults: unknown part "${part}" (e.g. 429:0.1,500:@5,drop:0.05,malformed:0.05,delay=200:0.1,retryAfter=1,seed=1)`);
  }
  return out;
}

/** Decides each request's fault in arrival order, so a seed fixes the whole sequence of faults. */
export class FaultInjector {
  private count = 0;
  private readonly u: () => number;
  constructor(readonly o: FaultOptions) {
    this.u = rng(o.seed ?? 0);
  }

  get active() {
    return FAULT_KINDS.some((k) => this.o[k]) || !!this.o.delay;
  }

  next(): FaultDecision {
    const n = ++this.count;
    // Every rule draws on every request, so adding one rule does not shift the others' draws.
    const fires = (t: FaultTrigger | undefined) => {
      if (!t) return false;
      const x = this.u();
      return (t.every !== undefined && t.every > 0 && n % t.every === 0) || (t.p !== undefined && x < t.p);
    };
    const delayMs = fires(this.o.delay) ? this.o.delay!.ms : 0;
    let kind: FaultKind | null = null;
    for (const k of FAULT_KINDS) if (fires(this.o[k]) && kind === null) kind = k;
    return { delayMs, kind };
  }
}
