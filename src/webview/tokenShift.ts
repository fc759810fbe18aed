// How far each TQ* choice moved away from the base model's own top-1 token: the numbers behind token shading.
import type { StepView } from './protocol';

export interface Shift {
  /**
   * log π_base(base top-1) − log π_base(chosen), in nats, ≥ 0, measured against the base model's real
   * top-1 over its whole vocabulary (`StepView.baseTop`); null when it was not measured.
   */
  nats: number | null;
  /** Why `nats` is null: the step carries no base top-1, or the chosen token has no base log-probability. */
  missing?: 'noBaseTop' | 'noLogprob';
  /**
   * Without the base top-1, the best base log-probability among the proposed candidates gives only a
   * lower bound: the real top-1 is at least as likely as any candidate.
   */
  atLeast?: number;
}

function chosenOf(step: StepView) {
  return step.candidates.find((c) => c.chosen) ?? step.candidates.find((c) => c.id === step.chosen.id);
}

export function baseShift(step: StepView): Shift {
  const chosen = chosenOf(step);
  if (step.baseTop) {
    if (step.baseTop.id === step.chosen.id) return { nats: 0 };
    if (!chosen || chosen.logprobBase === null) return { nats: null, missing: 'noLogprob' };
    return { nats: Math.max(0, step.baseTop.logprobBase - chosen.logprobBase) };
  }
  if (!chosen || chosen.logprobBase === null) return { nats: null, missing: 'noBaseTop' };
  let best = -Infinity;
  for (const c of step.candidates) if (c.logprobBase !== null && c.logprobBase > best) best = c.logprobBase;
  return { nats: null, missing: 'noBaseTop', atLeast: Math.max(0, best - chosen.logprobBase) };
}

export type ShiftLevel = 0 | 1 | 2 | 3 | 4 | 'unmeasured';

/** Five shading levels of a measured shift; cut points in nats (level 4: the base model liked its top-1 ≥ e² ≈ 7× more). */
export function shiftLevel(shift: number | null): ShiftLevel {
  if (shift === null) return 'unmeasured';
  if (shift < 0.05) return 0;
  if (shift < 0.5) return 1;
  if (shift < 1) return 2;
  if (shift < 2) return 3;
  return 4;
}

/** What each shading level means, for the legend: every level the tokens can show is explained. */
export const SHIFT_LEVELS: ReadonlyArray<{ level: ShiftLevel; label: string }> = [
  { level: 0, label: 'the base model\'s own top-1 token (shift < 0.05 nats)' },
  { level: 1, label: 'slightly moved (0.05–0.5 nats)' },
  { level: 2, label: 'moved (0.5–1 nats: the base model liked its top-1 up to e ≈ 2.7× more)' },
  { level: 3, label: 'strongly moved (1–2 nats: up to e² ≈ 7× more)' },
  { level: 4, label: 'overridden, red (≥ 2 nats: the base model liked its top-1 more than 7× more)' },
  { level: 'unmeasured', label: 'not measured, dotted (the base model\'s top-1 was not fetched at this step)' },
];

/** A short phrase for a token's tooltip. */
export function shiftPhrase(s: Shift): string {
  if (s.nats !== null) return s.nats === 0 ? 'the base model\'s top-1' : `${s.nats.toFixed(2)} nats from the base model's top-1`;
  if (s.missing === 'noLogprob') return 'shift not measured (no base log-probability for this token)';
  return `shift from the base model's top-1 not measured${s.atLeast !== undefined && s.atLeast > 0 ? ` (at least ${s.atLeast.toFixed(2)} nats)` : ''}`;
}
