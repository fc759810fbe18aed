// Lends the sequences of one llama.cpp context to concurrent work, preferring the one whose cached tokens share the longest prefix.
import type { LlamaContextSequence } from 'node-llama-cpp';

export class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiting: Array<(s: LlamaContextSequence) => void> = [];

  constructor(sequences: LlamaContextSequence[]) {
    this.free = [...sequences];
  }

  /**
   * A sequence whose context holds exactly the first `keep` tokens of `tokens`, keep < tokens.length
   * (the last token is always evaluated again: its next-token distribution is what the caller wants).
   */
  async acquire(tokens: readonly number[]): Promise<{ seq: LlamaContextSequence; keep: number }> {
    const seq = this.free.length ? this.takeBest(tokens) : await new Promise<LlamaContextSequence>((r) => this.waiting.push(r));
    const same = seq.compareContextTokens(tokens as never[]).firstDifferentIndex;
    const keep = Math.min(same, tokens.length - 1);
    if (seq.nextTokenIndex > keep) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
    return { seq, keep };
  }

  release(seq: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(seq);
    else this.free.push(seq);
  }

  private takeBest(tokens: readonly number[]): LlamaContextSequence {
    let best = 0;
    let bestLen = -1;
    this.free.forEach((s, i) => {
      const n = s.compareContextTokens(tokens as never[]).firstDifferentIndex;
      if (n > bestLen) [best, bestLen] = [i, n];
    });
    return this.free.splice(best, 1)[0]!;
  }
}
