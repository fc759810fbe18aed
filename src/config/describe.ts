// How a run's steering strength and gate read in words: one wording for the results panel's header, the run
// history and the CLI demo's header. Types only from the schema, so the webview bundle takes no zod with it.
import type { DecodingParams } from './schema';

type Strength = Pick<DecodingParams, 'alpha' | 'strength' | 'klBudget' | 'scaledAlpha'>;

/** The α the steps use: as set, or found per step from the scale-free knob (the α set is then not used). */
export function alphaText(d: Strength): string {
  return d.strength === 'kl' ? `per step, from a KL budget of ${d.klBudget} nats/token` : d.strength === 'spread' ? `${d.scaledAlpha} / reward spread` : String(d.alpha);
}

/** Which steps are steered; null when every step is (no gate). */
export function gateText(d: Pick<DecodingParams, 'gate'>): string | null {
  if (d.gate.by === 'entropy') return `steer where the proposer's entropy ≥ ${d.gate.minEntropy} nats`;
  if (d.gate.by === 'top1') return `steer where the proposer's top-1 < ${d.gate.maxTop1}`;
  return null;
}
