// Run configurations that point the decoder at the reference server's demo and tabular models.
import type { RunConfigInput } from '../config/schema.js';

/** The word-level demo: base demo-base, baseline demo-aligned (tilted toward demo-sentiment), reward demo-sentiment on /pooling. */
export function demoRunConfig(url: string): RunConfigInput {
  const root = url.replace(/\/+$/, '');
  return {
    base: { baseUrl: `${root}/v1`, model: 'demo-base', dialect: 'vllm' },
    baseline: { baseUrl: `${root}/v1`, model: 'demo-aligned', dialect: 'vllm' },
    reward: { kind: 'vllm-pooling', baseUrl: root, model: 'demo-sentiment' },
    // Demo sentences end within about a dozen words, so a short horizon already sees the whole rollout;
    // α = 8 because the reward spans only about [−1, 2] while the base's log-probabilities of
    // competing words differ by several nats. Measured over 6 prompts × 2 seeds (mean reward):
    // α = 2: TQ* 0.73 (below Best-of-8's 1.07); α = 8: TQ* 1.21, Best-of-8 1.03, baseline 0.56 (`npm run demo`).
    // Measured as the method of ALGORITHM.md (raw α, every step steered), so it pins those instead of the product defaults.
    decoding: { topK: 8, alpha: 8, strength: 'alpha', gate: { by: 'none' }, horizon: 12, rollouts: 4, maxTokens: 24, seed: 0 },
  };
}

/** The tabular models of the exact tests: base tabular-base, baseline ρ*_r (tabular-rho-r), reward tabular-reward; r_BL for indirect transfer. */
export function tabularRunConfig(url: string): RunConfigInput {
  const root = url.replace(/\/+$/, '');
  return {
    base: { baseUrl: `${root}/v1`, model: 'tabular-base', dialect: 'vllm' },
    baseline: { baseUrl: `${root}/v1`, model: 'tabular-rho-r', dialect: 'vllm' },
    reward: { kind: 'vllm-pooling', baseUrl: root, model: 'tabular-reward' },
    baselineReward: { kind: 'vllm-pooling', baseUrl: root, model: 'tabular-reward-bl' },
    decoding: { topK: 6, alpha: 1, horizon: 8, rollouts: 8, maxTokens: 8, seed: 0 },
  };
}

/** The tiny transformers' files and the β of the DPO model used as the indirect baseline (src/engine/demoModels.ts finds them). */
export interface DemoModelFiles {
  sft: string;
  direct: string;
  indirect: string;
  betaIndirect: number;
}

/**
 * `npm run demo` and Try the Demo on the project's tiny trained transformers through the local engine:
 * base sft; baseline dpo-sentiment (direct: aligned to the target reward demo-sentiment, served on
 * /pooling by the reference server at `rewardUrl`) or the DPO model of another reward r_BL (indirect,
 * importance weights from its implicit reward with its own β_BL).
 */
export function engineDemoConfig(files: DemoModelFiles, rewardUrl: string, transfer: 'direct' | 'indirect'): RunConfigInput {
  const root = rewardUrl.replace(/\/+$/, '');
  return {
    base: { gguf: files.sft },
    baseline: { gguf: transfer === 'direct' ? files.direct : files.indirect },
    reward: { kind: 'vllm-pooling', baseUrl: root, model: 'demo-sentiment' },
    // Direct transfer: TQ* at the tqstar.decoding defaults (chosen from the sweeps in docs/where-tqstar-stands.md).
    // Indirect transfer keeps its own settings: importance weights need several rollouts per candidate (one
    // rollout makes every self-normalised weight 1), so k = 6, N = 3, H = 10 and α = 8 in the reward's units, ungated.
    decoding: {
      maxTokens: 16,
      seed: 0,
      bestOfN: 6,
      ...(transfer === 'indirect'
        ? {
            transfer: 'indirect' as const,
            indirectWeights: 'implicit' as const,
            betaBaseline: files.betaIndirect,
            estimator: 'rollouts' as const,
            topK: 6,
            horizon: 10,
            rollouts: 3,
            strength: 'alpha' as const,
            alpha: 8,
            gate: { by: 'none' as const },
          }
        : {}),
    },
  };
}
