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
