// An LRU cache of token-id prefixes in whole blocks, standing in for vLLM's automatic prefix caching.
import { mix32 } from '../vllmApi/sampling.js';

export class PrefixCache {
  private readonly blocks = new Map<string, true>();
  constructor(
    private readonly block: number,
    private readonly capacity: number,
  ) {}

  /** Chained keys of every full block: block i's key depends on all tokens before it. */
  private keys(ids: readonly number[]): string[] {
    const out: string[] = [];
    let a = 0x12345678;
    let b = 0x9abcdef0;
    for (let i = 0; i < ids.length; i++) {
      a = mix32(a, ids[i]!);
      b = mix32(b, ids[i]!, i);
      if ((i + 1) % this.block === 0) out.push(`${a}:${b}`);
    }
    return out;
  }

  /** Tokens at the start of `ids` already cached (a multiple of the block size); touches the blocks it hits. */
  lookup(ids: readonly number[]): number {
    let hit = 0;
    for (const k of this.keys(ids)) {
      if (!this.blocks.has(k)) break;
      this.blocks.delete(k);
      this.blocks.set(k, true);
      hit += this.block;
    }
    return hit;
  }

  insert(ids: readonly number[]): void {
    for (const k of this.keys(ids)) {
      this.blocks.delete(k);
      this.blocks.set(k, true);
    }
    while (this.blocks.size > this.capacity) this.blocks.delete(this.blocks.keys().next().value!);
  }
}
