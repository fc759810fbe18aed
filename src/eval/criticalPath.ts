// The critical-path lower bound of a recorded request schedule under the server's latency model.
import { PrefixCache } from '../server/prefixCache';
import { isolatedRequestMs, type LatencyOptions } from '../server/latency';
import type { CallRecord } from './recorder';

/**
 * Dependencies are read off the schedule as issued: a request depends on every request that had
 * completed when it was sent (the decoder only sends what it can, so this is the schedule's own
 * dependency graph; an unnecessary wait in the decoder shows up as a longer critical path, not as
 * a worse ratio). Each request is costed as if alone on the server (overhead, one prefill pass with
 * the prefix cache as it stood, then one decode step per further token of its longest sequence).
 * Prefix caches are kept per served model, as the reference server's engines do.
 */
export function criticalPathMs(o: LatencyOptions, calls: readonly CallRecord[], what: { rewardPrefixCache?: boolean } = {}): number {
  type Ev = { t: number; end: boolean; i: number };
  const evs: Ev[] = [];
  calls.forEach((c, i) => {
    evs.push({ t: c.start, end: false, i });
    evs.push({ t: c.end, end: true, i });
  });
  // At equal times a completion comes first: a request sent right as another finished depended on it.
  evs.sort((a, b) => a.t - b.t || Number(b.end) - Number(a.end));
  const caches = new Map<string, PrefixCache>();
  const cacheOf = (name: string) => {
    let c = caches.get(name);
    if (!c) caches.set(name, (c = new PrefixCache(Math.max(1, o.block), o.cacheBlocks)));
    return c;
  };
  const finish = new Float64Array(calls.length);
  let doneMax = 0;
  let longest = 0;
  for (const ev of evs) {
    const call = calls[ev.i]!;
    if (ev.end) {
      doneMax = Math.max(doneMax, finish[ev.i]!);
      for (const s of call.seqs) if (s.full) cacheOf(call.engine).insert(s.full);
      continue;
    }
    const cache = cacheOf(call.engine);
    // "What if": a reward server with a prefix cache (the latency model's has none) would prefill only what follows y<t.
    const sharedReward = what.rewardPrefixCache ? (call.sharedPromptTokens ?? 0) : 0;
    const seqs = call.seqs.map((s) => {
      if (!s.prompt && sharedReward) return { newPromptTokens: Math.max(1, s.promptTokens - sharedReward), genTokens: s.genTokens };
      // As in the engine: vLLM recomputes at least the last prompt token.
      const cached = s.prompt ? Math.min(cache.lookup(s.prompt), Math.max(0, s.promptTokens - 1)) : 0;
      if (s.prompt) cache.insert(s.prompt);
      return { newPromptTokens: s.promptTokens - cached, genTokens: s.genTokens };
    });
    finish[ev.i] = doneMax + isolatedRequestMs(o, seqs);
    longest = Math.max(longest, finish[ev.i]!);
  }
  return longest;
}
