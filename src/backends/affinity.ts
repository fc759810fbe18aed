// Replica affinity: requests that share a prompt prefix go to the replica that served it, whose prefix cache holds it.
//
// A decode's requests all extend one prompt (the next step's prompt is this step's plus a token; rollouts, scoring and
// top-k queries start from it), so the keys are chained hashes of the prompt at growing lengths (4, 8, 16, … tokens or
// characters, and the whole): a request is routed by the longest key a replica has served. A key no replica has seen
// (a new prompt) goes to the replica with the fewest outstanding requests, as does any request whose replica is at
// its concurrency limit (falling back on load); either way the keys then point to the replica that took it.

/** Chained hashes of the prompt at lengths 4, 8, 16, … and its full length (shortest first). */
export function prefixKeys(prompt: readonly number[] | string): string[] {
  const n = prompt.length;
  const keys: string[] = [];
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let next = 4;
  for (let i = 0; i < n; i++) {
    const x = typeof prompt === 'string' ? prompt.charCodeAt(i) : prompt[i]!;
    a = Math.imul(a ^ x, 0x01000193) >>> 0;
    b = Math.imul(b ^ (x + i), 0x85ebca6b) >>> 0;
    if (i + 1 === next || i + 1 === n) {
      keys.push(`${typeof prompt === 'string' ? 's' : 't'}${i + 1}:${a.toString(36)}:${b.toString(36)}`);
      if (i + 1 === next) next *= 2;
    }
  }
  return keys;
}

/** Which replica served which prefix key (least recently used forgotten first). */
export class AffinityTable<R> {
  private readonly map = new Map<string, R>();
  constructor(private readonly capacity = 16_384) {}

  /** The replica that served the longest of `keys`, if any. */
  lookup(keys: readonly string[]): R | undefined {
    for (let i = keys.length - 1; i >= 0; i--) {
      const r = this.map.get(keys[i]!);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  record(keys: readonly string[], replica: R): void {
    for (const k of keys) {
      this.map.delete(k);
      this.map.set(k, replica);
    }
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}
