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

const short = (msg: string) => (msg.length > 160 ? `${msg.slice(0, 157)}…` : msg);

/**
 * Scores the probe pair on the other vLLM reward routes with the same server, model and template (`configured` is
 * what the configured kind already answered). A model served for one task refuses the others (a cross-encoder has
 * /score, a sequence classifier /pooling and /classify), so a failing configured kind can name the one that answers.
 */
export async function probeVllmRoutes(
  cfg: Extract<RewardConfig, { kind: VllmKind }>,
  configured: { score?: number; error?: string },
  build: (c: RewardConfig) => Promise<RewardSource>,
  pair: RewardPair,
  signal?: AbortSignal,
): Promise<RouteResult[]> {
  return Promise.all(
    VLLM_REWARD_KINDS.map(async (kind): Promise<RouteResult> => {
      const route = ROUTE[kind];
      if (kind === cfg.kind) return configured.error === undefined ? { kind, route, score: configured.score! } : { kind, route, error: short(configured.error) };
      try {
        const [score] = await (await build({ ...cfg, kind })).score([pair], { signal });
        return { kind, route, score: score! };
      } catch (e) {
        if (e instanceof TqError && e.kind === 'aborted') throw e;
        return { kind, route, error: short(e instanceof Error ? e.message : String(e)) };
      }
    }),
  );
}

/** One report line: each route and what it answered. */
export function describeRoutes(results: RouteResult[]): string {
  return `vLLM reward routes: ${results.map((r) => `${r.route} (${r.kind}) ${r.error === undefined ? `→ ${r.score!.toFixed(4)}` : `fails: ${r.error}`}`).join('; ')}`;
}
