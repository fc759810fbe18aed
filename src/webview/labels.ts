// Display names of the strategies, shared by the webviews and the extension host.
import type { StrategyName } from '../config/schema';

export const STRATEGY_LABELS: Record<StrategyName, string> = {
  tqstar: 'Transfer Q*',
  args: 'ARGS',
  cd: 'CD (rollouts from π_base)',
  bon: 'Best-of-N',
  blockwise: 'Blockwise best-of-K',
  greedy: 'Greedy (base)',
  sample: 'Sampling (base)',
  baseline: 'Baseline alone (ρ_BL)',
  softbon: 'Soft Best-of-N',
  specrej: 'Early-pruned Best-of-N',
  smc: 'SMC (particle filter)',
};
