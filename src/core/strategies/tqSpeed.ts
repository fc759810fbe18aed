// The speed options of a TQ* step that read π_base's mass over the candidates (speed.skipMass, speed.coverMass).
import { logSumExp } from '../logspace';
import type { Candidate } from './tqCandidates';

/** skipMass: one candidate holds enough π_base mass to skip rollouts; coverMass: k shrunk to the candidates covering that much. */
export function byMass(speed: { skipMass: number; coverMass: number }, cands: Candidate[], notes: string[]): { skipTo?: Candidate; cands: Candidate[] } {
  const lps = cands.map((c) => c.logprobBase ?? -Infinity);
  const lse = logSumExp(lps);
  const mass = lps.map((lp) => Math.exp(lp - lse));
  const order = cands.map((_, i) => i).sort((a, b) => mass[b] - mass[a]);
  if (mass[order[0]] >= speed.skipMass) {
    notes.push(`rollouts skipped: "${cands[order[0]].text}" holds ${(mass[order[0]] * 100).toFixed(1)}% of π_base mass over the candidates (speed.skipMass)`);
    return { skipTo: cands[order[0]], cands };
  }
  if (speed.coverMass >= 1) return { cands };
  let cum = 0;
  const keep = new Set<number>();
  for (const i of order) {
    keep.add(i);
    cum += mass[i];
    if (cum >= speed.coverMass) break;
  }
  if (keep.size === cands.length) return { cands };
  notes.push(`k shrunk from ${cands.length} to ${keep.size}: they cover ${(cum * 100).toFixed(1)}% of π_base mass (speed.coverMass)`);
  return { cands: cands.filter((_, i) => keep.has(i)) };
}
