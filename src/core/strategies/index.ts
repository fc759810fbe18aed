// The strategy table: each StrategyName to the small unit that implements its step.
import type { StrategyName } from '../../config/schema';
import type { StrategyFactory } from '../context';
import { args } from './args';
import { blockwise } from './blockwise';
import { smc } from './smc';
import { softBestOfN } from './softBestOfN';
import { specRejection } from './specRejection';
import { valueGuided } from './valueGuided';
import { bestOfN, singleModel } from './wholeResponse';

export const STRATEGIES: Record<StrategyName, StrategyFactory> = {
  tqstar: valueGuided('tqstar'),
  cd: valueGuided('cd'),
  args,
  bon: bestOfN,
  blockwise,
  greedy: singleModel('base', 0),
  sample: singleModel('base', 1),
  baseline: singleModel('baseline', 0),
  softbon: softBestOfN,
  specrej: specRejection,
  smc,
};
