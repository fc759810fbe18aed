// `tqstar eval --latency`: records each answer's own requests and costs them on the reference server's latency model (its critical path).
import { applyRewardTemplate } from '../backends/templates';
import type { RewardConfig, RunConfig } from '../config/schema';
import type { DecodeEnv } from '../core/context';
import { TqError } from '../core/errors';
import type { RewardPair } from '../core/model';
import type { LatencyOptions } from '../server/latency';
import { defaultServed } from '../server/registry';
import { criticalPathMs } from './criticalPath';
import { newRecording, recordModel, recordReward, type Recording } from './recorder';

export interface EvalLatency {
  options: LatencyOptions;
  /** Served model and reward names: one engine (and prefix cache) per name, as on the reference server. */
  engines: { base: string; baseline: string; reward: string; baselineReward: string };
  /** Tokens of a reward input as the served reward model counts them (its prefill). */
  rewardTokens: (pair: RewardPair) => number;
  baselineRewardTokens: (pair: RewardPair) => number;
}

const modelOf = (c: RewardConfig | undefined, fallback: string) => (c && 'model' in c && typeof c.model === 'string' && c.model ? c.model : fallback);
const templateOf = (c: RewardConfig | undefined) => (c && 'template' in c && typeof c.template === 'string' ? c.template : undefined);

/**
 * Only for a config whose models and rewards the reference server serves (the built-in demo and tabular
 * worlds): the critical path is the latency model's, so it says nothing about another server.
 */
export function evalLatency(config: RunConfig, options: LatencyOptions): EvalLatency {
  const served = defaultServed();
  const counter = (c: RewardConfig | undefined, name: string) => {
    const m = served.rewards.find((r) => r.name === name);
    if (!m) throw new TqError('config', `--latency: reward "${name}" is not served by the reference server (the latency model costs only its models)`, { setting: 'tqstar eval --latency' });
    const t = templateOf(c);
    return (p: RewardPair) => m.countTokens(applyRewardTemplate(t, p.prompt, p.response));
  };
  for (const m of [config.base.model, config.baseline.model])
    if (!served.models.some((s) => s.name === m)) throw new TqError('config', `--latency: model "${m}" is not served by the reference server (the latency model costs only its models)`, { setting: 'tqstar eval --latency' });
  const engines = { base: config.base.model ?? 'base', baseline: config.baseline.model ?? 'baseline', reward: modelOf(config.reward, 'reward'), baselineReward: modelOf(config.baselineReward, 'baselineReward') };
  return {
    options,
    engines,
    rewardTokens: counter(config.reward, engines.reward),
    baselineRewardTokens: config.baselineReward ? counter(config.baselineReward, engines.baselineReward) : () => 1,
  };
}

/** The decoder's env with every model and reward call recorded into `rec`. */
export function recordedEnv(env: DecodeEnv, l: EvalLatency, rec: Recording): DecodeEnv {
  return {
    ...env,
    base: recordModel(env.base, 'base', l.engines.base, rec),
    baseline: recordModel(env.baseline, 'baseline', l.engines.baseline, rec),
    reward: recordReward(env.reward, 'reward', l.engines.reward, l.rewardTokens, rec),
    ...(env.baselineReward ? { baselineReward: recordReward(env.baselineReward, 'baselineReward', l.engines.baselineReward, l.baselineRewardTokens, rec) } : {}),
  };
}

export { criticalPathMs, newRecording };
