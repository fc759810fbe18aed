// How far the reward moved each TQ* choice away from the base model's own preference: the numbers behind token shading.
import type { StepView } from './protocol';

/**
 * log π_base(the base model's favourite candidate) − log π_base(chosen), in nats, ≥ 0.
 * 0 means TQ* took the token the base model liked best; large means the reward overrode it.
 * null when the chosen token has no base log-probability (flagged by the decoder).
 */
export function baseShift(step: StepView): number | null {
  const chosen = step.candidates.find((c) => c.chosen) ?? step.candidates.find((c) => c.id === step.chosen.id);
  if (!chosen || chosen.logprobBase === null) return null;
  let best = -Infinity;
  for (const c of step.candidates) if (c.logprobBase !== null && c.logprobBase > best) best = c.logprobBase;
  return Math.max(0, best - chosen.logprobBase);
}

/** Five shading levels; cut points in nats (level 4: the base model liked its favourite ≥ e² ≈ 7× more). */
export function shiftLevel(shift: number | null): 0 | 1 | 2 | 3 | 4 {
  if (shift === null || shift < 0.05) return 0;
  if (shift < 0.5) return 1;
  if (shift < 1) return 2;
  if (shift < 2) return 3;
  return 4;
}

/** What each shading level means, for the legend: every level the tokens can show is explained. */
export const SHIFT_LEVELS: ReadonlyArray<{ level: 0 | 1 | 2 | 3 | 4; label: string }> = [
  { level: 0, label: 'the base model\'s own favourite (shift < 0.05 nats), or a shift that cannot be computed' },
  { level: 1, label: 'slightly moved (0.05–0.5 nats)' },
  { level: 2, label: 'moved (0.5–1 nats: the base model liked its favourite up to e ≈ 2.7× more)' },
  { level: 3, label: 'strongly moved (1–2 nats: up to e² ≈ 7× more)' },
  { level: 4, label: 'overridden, red (≥ 2 nats: the base model liked its favourite more than 7× more)' },
];
