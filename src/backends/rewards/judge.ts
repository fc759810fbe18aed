// An LLM judge over /v1/chat/completions: a parsed numeric score, or the probability of "yes".
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { CallOptions, RewardPair, RewardSource } from '../../core/model';
import type { Endpoint } from '../endpoint';
import { OpenAIRoutes } from '../openaiRoutes';
import { finiteScores } from './checks';

type Cfg = Extract<RewardConfig, { kind: 'judge' }>;

const SCORE_INSTRUCTION =
  'Rate how good the response is as a continuation of the prompt, from 0 (bad) to 10 (excellent). Reply with the number only.\n\nPrompt:\n{prompt}\n\nResponse:\n{response}';
const YES_INSTRUCTION = 'Is the response a good continuation of the prompt? Answer yes or no.\n\nPrompt:\n{prompt}\n\nResponse:\n{response}';

/** The first number in the judge's reply; undefined when there is none (an error, never 0). */
export function parseJudgeScore(reply: string): number | undefined {
  const m = /-?\d+(?:\.\d+)?/.exec(reply);
  return m ? Number(m[0]) : undefined;
}

export class JudgeReward implements RewardSource {
  readonly label: string;
  /** Every HTTP request goes through the endpoint with the caller's onRequest: the run counts exactly those. */
  readonly countsRequests = true;
  private readonly url: string;
  private readonly routes: OpenAIRoutes;
  constructor(
    ep: Endpoint,
    private readonly cfg: Cfg,
  ) {
    this.url = ep.urlOf({ v1: '/chat/completions' });
    this.routes = new OpenAIRoutes(ep);
    this.label = `judge ${this.url} (${cfg.model}, ${cfg.mode})`;
  }

  /** Chat completions take one conversation per request: the pairs go out concurrently. */
  async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
    const instruction = this.cfg.instruction ?? (this.cfg.mode === 'score' ? SCORE_INSTRUCTION : YES_INSTRUCTION);
    const scores = await Promise.all(
      pairs.map(async (p) => {
        const content = instruction.replace(/\{(prompt|response)\}/g, (_m, k: 'prompt' | 'response') => p[k]);
        if (this.cfg.mode === 'score') {
          const body = await this.routes.chat({ model: this.cfg.model, messages: [{ role: 'user', content }], temperature: 0, max_tokens: 16 }, opts);
          const reply: unknown = body?.choices?.[0]?.message?.content;
          if (typeof reply !== 'string') throw new TqError('reward', `${this.label}: no message content in the answer`, { url: this.url });
          const s = parseJudgeScore(reply);
          if (s === undefined) throw new TqError('reward', `${this.label}: no number in the judge's reply ${JSON.stringify(reply.slice(0, 80))}`, { url: this.url });
          return s;
        }
        const body = await this.routes.chat({ model: this.cfg.model, messages: [{ role: 'user', content }], temperature: 0, max_tokens: 1, logprobs: true, top_logprobs: 20 }, opts);
        const top: Array<{ token?: unknown; logprob?: number }> | null | undefined = body?.choices?.[0]?.logprobs?.content?.[0]?.top_logprobs;
        if (!Array.isArray(top)) throw new TqError('reward', `${this.label}: the answer has no top_logprobs (does the server support logprobs on chat completions?)`, { url: this.url });
        // Spellings of "yes" ("Yes", " yes") are distinct tokens: their probabilities add up.
        return top.filter((t) => String(t.token ?? '').trim().toLowerCase() === 'yes').reduce((s, t) => s + Math.exp(t.logprob ?? -Infinity), 0);
      }),
    );
    return finiteScores(scores, pairs.length, this.label, this.url);
  }
}
