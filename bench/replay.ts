// The decoder's own CPU time: the same decode replayed against the recorded answers, with no server and no HTTP client.
import { decode } from '../src/core/index';
import type { DecodeEnv, DecodingParams, StrategyName } from '../src/core/index';
import type { LanguageModel, RewardSource } from '../src/core/model';
import type { Recording } from '../src/eval/recorder';

class Diverged extends Error {}

function replayer(rec: Recording) {
  // Cloned up front so that neither the clone nor the original run's objects are timed or shared.
  const queues = new Map([...rec.results].map(([k, v]) => [k, structuredClone(v)]));
  const at = new Map<string, number>();
  return <T>(key: string, size: number): Promise<T> => {
    const q = queues.get(key);
    const i = at.get(key) ?? 0;
    const r = q?.[i] as T | undefined;
    if (r === undefined || (size >= 0 && Array.isArray(r) && r.length !== size)) return Promise.reject(new Diverged(`replay diverged at ${key} #${i}`));
    at.set(key, i + 1);
    return Promise.resolve(r);
  };
}

function model(role: string, eosId: number | null, next: ReturnType<typeof replayer>, cheapTokenScoring?: boolean): LanguageModel {
  return {
    label: `replay ${role}`,
    eosId,
    // As the live base said at the end of the run: a run whose backend turned it off mid-run does not replay (null).
    ...(cheapTokenScoring ? { cheapTokenScoring } : {}),
    nextTokens: (prompts) => next(`${role}.nextTokens`, prompts.length),
    sample: (req) => next(`${role}.sample`, req.prompts.length),
    score: (req) => next(`${role}.score`, req.items.length),
    encode: () => next(`${role}.encode`, -1),
  };
}

const reward = (role: string, next: ReturnType<typeof replayer>): RewardSource => ({ label: `replay ${role}`, score: (pairs) => next(`${role}.score`, pairs.length) });

/**
 * CPU ms of one replayed decode (user + system, this process), or null when the replay did not
 * follow the recorded calls. The decoder is deterministic given its answers and seed, so the replay
 * makes the same calls in the same order; the minimum of `repeats` runs damps a shared machine's noise.
 */
export async function replayCpuMs(strategy: StrategyName, prompt: string, eos: { base: number | null; baseline: number | null }, hasBaselineReward: boolean, params: DecodingParams, rec: Recording, repeats: number, cheap: { base?: boolean; baseline?: boolean } = {}): Promise<number | null> {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const next = replayer(rec);
    const env: DecodeEnv = {
      base: model('base', eos.base, next, cheap.base),
      baseline: model('baseline', eos.baseline, next, cheap.baseline),
      reward: reward('reward', next),
      ...(hasBaselineReward ? { baselineReward: reward('baselineReward', next) } : {}),
    };
    const c0 = process.cpuUsage();
    const r = await decode(strategy, { text: prompt }, env, params);
    const c = process.cpuUsage(c0);
    if (r.error) return null;
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}
