// Which of vLLM's reward routes (/pooling, /classify, /score) a server answers: the probe's reward report.
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { RewardPair, RewardSource } from '../../core/model';

export const VLLM_REWARD_KINDS = ['vllm-pooling', 'vllm-classify', 'vllm-score'] as const;
type VllmKind = (typeof VLLM_REWARD_KINDS)[number];
const ROUTE: Record<VllmKind, string> = { 'vllm-pooling': '/pooling', 'vllm-classify': '/classify', 'vllm-score': '/score' };

export interface RouteResult {
  kind: VllmKind;
  route: string;
  score?: number;
  error?: string;
}

export const isVllmReward = (cfg: RewardConfig): cfg is Extract<RewardConfig, { kind: VllmKind }> => (VLLM_REWARD_KINDS as readonly string[]).includes(cfg.kind);

/**
 * Scores the probe pair on every vLLM reward route with the same server, model and template. A model served for
 * one task refuses the others (a cross-encoder has /score, a sequence classifier /pooling and /classify), so a
 * failing configured kind can name the one that answers.
 */
export async function probeVllmRoutes(cfg: Extract<RewardConfig, { kind: VllmKind }>, build: (c: RewardConfig) => Promise<RewardSource>, pair: RewardPair, signal?: AbortSignal): Promise<RouteResult[]> {
  return Promise.all(
    VLLM_REWARD_KINDS.map(async (kind): Promise<RouteResult> => {
      try {
        const [score] = await (await build({ ...cfg, kind })).score([pair], { signal });
        return { kind, route: ROUTE[kind], score };
      } catch (e) {
        if (e instanceof TqError && e.kind === 'aborted') throw e;
        const msg = e instanceof Error ? e.message : String(e);
        return { kind, route: ROUTE[kind], error: msg.length > 160 ? `${msg.slice(0, 157)}…` : msg };
      }
    }),
  );
}

/** One report line: each route and what it answered. */
export function describeRoutes(results: RouteResult[]): string {
  return `vLLM reward routes: ${results.map((r) => `${r.route} (${r.kind}) ${r.error === undefined ? `→ ${r.score!.toFixed(4)}` : `fails: ${r.error}`}`).join('; ')}`;
}
