// The held-out score of an evaluation: a score the decoder never optimised, so that a gain that is reward hacking shows.
import type { CallOptions, RewardSource } from '../core/model';

/**
 * How each answer gets its held-out score:
 * - `fluency` (the default; needs no server): the base model's mean log-likelihood per output token,
 *   log π_base(y|x) / |y| (the EOS decision counted as a token when the answer ended by EOS), from the
 *   scoring the KL estimate already does. Higher is more fluent in the base model's eyes; text that games a
 *   reward with odd words scores low.
 * - a second reward source (any `tqstar.reward` kind, e.g. another reward model or an LLM judge in score
 *   mode): r_held(x, y), scored once per answer.
 */
export type HeldOut = { kind: 'fluency' } | { kind: 'reward'; name: string; source: RewardSource };

export const FLUENCY: HeldOut = { kind: 'fluency' };

export const heldOutName = (h: HeldOut): string => (h.kind === 'fluency' ? 'fluency' : h.name);

/** log π_base(y|x) per output token; null without a log-probability or for an empty answer. */
export function fluency(logBase: number | null, outputTokens: number): number | null {
  return logBase !== null && Number.isFinite(logBase) && outputTokens > 0 ? logBase / outputTokens : null;
}

/** The held-out score of one answer (a reward that fails throws; the caller records null with a warning). */
export async function heldOutScore(h: HeldOut, prompt: string, text: string, logBase: number | null, outputTokens: number, opts?: CallOptions): Promise<number | null> {
  if (h.kind === 'fluency') return fluency(logBase, outputTokens);
  const [v] = await h.source.score([{ prompt, response: text }], opts);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The same reward multiplied by `scale` (the scale-free check: reward ×10, ×0.1). */
export function scaledReward(r: RewardSource, scale: number): RewardSource {
  if (scale === 1) return r;
  return {
    label: `${r.label} ×${scale}`,
    ...(r.countsRequests !== undefined ? { countsRequests: r.countsRequests } : {}),
    async score(pairs, opts) {
      return (await r.score(pairs, opts)).map((x) => x * scale);
    },
  };
}
