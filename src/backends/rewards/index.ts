// Builds a RewardSource from a RewardConfig: the one place that knows every reward kind.
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { RewardSource } from '../../core/model';
import { tabularSuite } from '../../models/inProcess';
import { Endpoint, type RequestLog } from '../endpoint';
import { BuiltinReward, SumReward } from './builtin';
import { HttpJsonReward } from './httpJson';
import { JudgeReward } from './judge';
import { ServerReward } from './serverRewards';

export type RewardFactory = (cfg: RewardConfig) => RewardSource;

export interface RewardContext {
  /** 'reward' | 'baselineReward' */
  role: string;
  apiKey?: string;
  log?: RequestLog;
  factories?: Record<string, RewardFactory>;
}

export function makeReward(cfg: RewardConfig, ctx: RewardContext, settingPrefix = `tqstar.${ctx.role}`): RewardSource {
  const custom = ctx.factories?.[cfg.kind === 'builtin' ? `builtin:${cfg.name}` : cfg.kind];
  if (custom) return custom(cfg);
  const endpoint = (baseUrl: string) =>
    new Endpoint({ role: ctx.role, baseUrls: [baseUrl], apiKey: ctx.apiKey, timeoutMs: ('timeoutMs' in cfg && cfg.timeoutMs) || 60_000, maxConcurrency: 8, log: ctx.log, settingPrefix });
  switch (cfg.kind) {
    case 'vllm-pooling':
    case 'vllm-classify':
    case 'vllm-score':
    case 'tei':
    case 'openrlhf':
      return new ServerReward(endpoint(cfg.baseUrl), cfg);
    case 'http-json':
      return new HttpJsonReward(endpoint(cfg.baseUrl), cfg);
    case 'judge':
      return new JudgeReward(endpoint(cfg.baseUrl), cfg);
    case 'builtin':
      // The reward of the exact tabular tests (vocabulary a–e): for demos and tests against the tabular models.
      if (cfg.name === 'tabular') return tabularSuite().reward;
      return new BuiltinReward(cfg);
    case 'sum':
      // A term served elsewhere may need its own key: its apiKeyEnv wins over the role's key.
      return new SumReward(
        cfg.terms.map((t, i) => {
          const own = 'apiKeyEnv' in t && t.apiKeyEnv ? process.env[t.apiKeyEnv] : undefined;
          return { source: makeReward(t, own ? { ...ctx, apiKey: own } : ctx, `${settingPrefix}.terms[${i}]`), weight: t.weight ?? 1 };
        }),
      );
    case 'vscode-lm':
      throw new TqError('config', 'the "vscode-lm" reward uses a language model of VS Code and is only available inside VS Code; in the CLI choose another reward kind', {
        setting: `${settingPrefix}.kind`,
      });
  }
}
