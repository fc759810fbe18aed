// Block acceptance (speed.blockAccept): a clear lead commits the next tokens of the chosen candidate's best rollout.
import type { DecodingParams } from '../../config/schema';
import type { Token } from '../model';
import type { Candidate } from './tqCandidates';

/** The tokens committed after z_t: up to blockAccept of its best rollout when its score leads the runner-up by blockMargin. */
export function acceptBlock(p: DecodingParams, cands: readonly Candidate[], scores: readonly number[], chosen: Candidate, remaining: number): Token[] {
  if (p.speed.blockAccept <= 0 || chosen.terminal || !chosen.rollouts.length) return [];
  const others = scores.filter((_, i) => cands[i] !== chosen);
  const runnerUp = others.length ? Math.max(...others) : -Infinity;
  if (scores[cands.indexOf(chosen)] - runnerUp < p.speed.blockMargin) return [];
  let best = 0;
  for (let i = 1; i < chosen.rewards.length; i++) if (chosen.rewards[i] > chosen.rewards[best]) best = i;
  const m = Math.min(p.speed.blockAccept, chosen.rollouts[best].tokens.length, remaining);
  return chosen.rollouts[best].tokens.slice(0, m).map((t) => ({ id: t.id, text: t.text }));
}
