// What the probed capabilities say about a run before any strategy starts: what cannot work (an error now, not after the peers ran) and what may fail mid-run.
// Pure: it reads the capabilities buildEnv measured (HttpLanguageModel.caps) and the run's settings.
import type { RunConfig, StrategyName } from '../config/schema';
import type { Capabilities } from '../backends/capabilities';
import type { ErrorView } from '../webview/protocol';

export interface Preflight {
  /** Certain to fail: the run stops here, before any strategy. */
  fatal?: ErrorView;
  /** Likely to fail mid-run for the named strategies; the user decides. */
  risk?: ErrorView & { strategies: StrategyName[] };
}

/** Strategies that score the baseline's proposals with the base model (value-guided, TQ* and CD). */
const SCORES_PROPOSALS: readonly StrategyName[] = ['tqstar', 'cd'];

export function preflight(config: RunConfig, strategies: readonly StrategyName[], baseCaps: Capabilities | undefined, baseUrl: string): Preflight {
  if (!baseCaps || baseCaps.scoring !== 'none') return {};
  const d = config.decoding;
  if (strategies.includes('tqstar') && d.transfer === 'indirect' && d.indirectWeights === 'implicit') {
    return { fatal: { kind: 'capability', message: `Transfer Q*: indirect transfer with implicit weights scores whole texts with the base model, and the ${baseCaps.dialect} server at ${baseUrl} cannot (no echo or prompt log-probabilities). Set tqstar.decoding.indirectWeights to "baseline-reward" (with a tqstar.baselineReward source), or serve the base model with vLLM.`, url: baseUrl, setting: 'tqstar.decoding.indirectWeights' } };
  }
  const at = strategies.filter((s) => SCORES_PROPOSALS.includes(s));
  if (at.length && d.proposer !== 'base') {
    return { risk: { kind: 'capability', strategies: at, message: `the ${baseCaps.dialect} server at ${baseUrl} can only score a token inside its own top-${baseCaps.maxTopK}, so ${at.join(' and ')} fail${at.length === 1 ? 's' : ''} at the first candidate the baseline proposes outside it. tqstar.decoding.proposer "base" avoids that.`, url: baseUrl, setting: 'tqstar.decoding.proposer' } };
  }
  return {};
}
