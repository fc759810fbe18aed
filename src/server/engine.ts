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
}

interface Live extends EngineSequence {
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export class Engine {
  readonly stats: EngineStats = { iterations: 0, busyMs: 0, prefillTokens: 0, cachedTokens: 0, decodeTokens: 0, maxBatch: 0 };
  private waiting: Live[] = [];
  private running: Live[] = [];
  private active = false;
  private readonly cache: PrefixCache;

  constructor(
    private readonly o: LatencyOptions,
    /** With the clock off, passes cost nothing and run back to back; the accounting stays the same. */
    private readonly clockOn: boolean,
  ) {
    this.cache = new PrefixCache(Math.max(1, o.block), o.cacheBlocks);
  }

  /** Resolves when every sequence has finished under the model, with what each one cost (prompt tokens not found in the cache). */
  submit(seqs: readonly EngineSequence[]): Promise<SequenceCost[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    const all = seqs.map((s) => new Promise<SequenceCost>((done) => this.waiting.push({ ...s, remaining: 0, newTokens: 0, done })));
    if (!this.active) void this.loop();
    return Promise.all(all);
  }

  private async loop() {
    this.active = true;
    let clock = performance.now();
    try {
      while (this.waiting.length || this.running.length) {
        const admitted = this.waiting.splice(0, Math.max(0, this.o.maxSeqs - this.running.length));
        let prefill = 0;
        for (const s of admitted) {
          // vLLM always recomputes at least the last prompt token to get its logits.
          const cached = s.prompt ? Math.min(this.cache.lookup(s.prompt), Math.max(0, s.promptTokens - 1)) : 0;
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
          await sleep(clock - performance.now());
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
