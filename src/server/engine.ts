// A continuously-batching engine clock: sequences join the next forward pass, share decode steps, and finish when done.
import { stepMs, type LatencyOptions, type SequenceCost } from './latency.js';
import { PrefixCache } from './prefixCache.js';

export interface EngineSequence {
  /** Prompt ids for prefix caching; null when only a count is known (reward inputs). */
  prompt: readonly number[] | null;
  promptTokens: number;
  genTokens: number;
  /** Prompt + generated ids, cached once the sequence finishes. */
  full?: readonly number[];
  /** Prompt logprobs asked for: the prefix cache is not read (vLLM skip_reading_prefix_cache), only written. */
  noCacheRead?: boolean;
}

interface Live extends EngineSequence {
  /** Clock time from which the sequence may join a pass (its request's arrival plus overhead). */
  readyAt: number;
  remaining: number;
  newTokens: number;
  done: (cost: SequenceCost) => void;
}

export interface EngineStats {
  /** Forward passes run. */
  iterations: number;
  /** Sum of the modelled cost of every forward pass, ms. */
  busyMs: number;
  /** Prompt tokens computed (not served from the prefix cache). */
  prefillTokens: number;
  /** Prompt tokens served from the prefix cache. */
  cachedTokens: number;
  /** Sequence-steps of decoding (one per running sequence per pass after its prefill). */
  decodeTokens: number;
  /** Most sequences in one pass. */
  maxBatch: number;
}

/** The engine's time source; tests pass a manual one. */
export interface EngineClock {
  now(): number;
  /** Resolves after `ms` (> 0) milliseconds. */
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: EngineClock = { now: () => performance.now(), sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)) };

export class Engine {
  readonly stats: EngineStats = { iterations: 0, busyMs: 0, prefillTokens: 0, cachedTokens: 0, decodeTokens: 0, maxBatch: 0 };
  private waiting: Live[] = [];
  private running: Live[] = [];
  private active = false;
  private readonly cache: PrefixCache;
  /** Modelled end of the last pass: an idle engine cannot start a pass before it. */
  private lastEnd = -Infinity;

  constructor(
    private readonly o: LatencyOptions,
    /** With the clock off, passes cost nothing and run back to back; the accounting stays the same. */
    private readonly clockOn: boolean,
    private readonly time: EngineClock = REAL_CLOCK,
  ) {
    this.cache = new PrefixCache(Math.max(1, o.block), o.cacheBlocks);
  }

  /**
   * Resolves when every sequence has finished under the model, with what each one cost (prompt
   * tokens not found in the cache). `readyAt` (clock time, default now) is when the request could
   * have joined a pass: a server submits after computing the answer but dates the sequences from
   * the request's arrival, so that its own CPU overlaps the modelled GPU time as a real server's
   * does; the answer then comes at max(modelled end, submission).
   */
  submit(seqs: readonly EngineSequence[], readyAt?: number): Promise<SequenceCost[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    const ready = readyAt ?? this.time.now();
    const all = seqs.map((s) => new Promise<SequenceCost>((done) => this.waiting.push({ ...s, readyAt: ready, remaining: 0, newTokens: 0, done })));
    if (!this.active) void this.loop();
    return Promise.all(all);
  }

  private async loop() {
    this.active = true;
    // An idle engine's next pass starts when the earliest waiting sequence was ready, not before the last pass ended.
    let clock = Math.max(this.lastEnd, Math.min(...this.waiting.map((s) => s.readyAt)));
    try {
      while (this.waiting.length || this.running.length) {
        // Only sequences ready by the pass's start join it; with nothing running, the clock jumps to the next ready one.
        if (!this.running.length) clock = Math.max(clock, Math.min(...this.waiting.map((s) => s.readyAt)));
        const room = Math.max(0, this.o.maxSeqs - this.running.length);
        const admitted: Live[] = [];
        for (let i = 0; i < this.waiting.length && admitted.length < room; )
          if (!this.clockOn || this.waiting[i]!.readyAt <= clock) admitted.push(...this.waiting.splice(i, 1));
          else i++;
        let prefill = 0;
        for (const s of admitted) {
          // vLLM always recomputes at least the last prompt token to get its logits.
          const cached = s.prompt && !s.noCacheRead ? Math.min(this.cache.lookup(s.prompt), Math.max(0, s.promptTokens - 1)) : 0;
          this.stats.cachedTokens += cached;
          s.newTokens = s.promptTokens - cached;
          prefill += s.newTokens;
          if (s.prompt) this.cache.insert(s.prompt);
        }
        const batch = this.running.length + admitted.length;
        const cost = stepMs(this.o, batch, prefill);
        this.stats.iterations++;
        this.stats.busyMs += cost;
        this.stats.prefillTokens += prefill;
        this.stats.decodeTokens += this.running.length;
        this.stats.maxBatch = Math.max(this.stats.maxBatch, batch);
        if (this.clockOn) {
          clock += cost;
          this.lastEnd = clock;
          // Behind the clock (the answers took longer to compute than their passes): catch up without yielding.
          const ahead = clock - this.time.now();
          if (ahead > 0) await this.time.sleep(ahead);
        } else await new Promise<void>((r) => setImmediate(r));
        for (const s of this.running) s.remaining--;
        // The prefill pass yields each sequence's first token.
        for (const s of admitted) s.remaining = s.genTokens - 1;
        const all = [...this.running, ...admitted];
        this.running = [];
        for (const s of all) {
          if (s.remaining > 0) this.running.push(s);
          else {
            if (s.full) this.cache.insert(s.full);
            s.done({ newPromptTokens: s.newTokens, genTokens: s.genTokens });
          }
        }
      }
    } finally {
      this.active = false;
    }
  }
}
