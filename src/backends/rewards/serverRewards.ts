// Reward servers with a documented list API: vLLM /pooling and /classify, TEI /predict, OpenRLHF /get_reward.
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { CallOptions, RewardPair, RewardSource } from '../../core/model';
import type { Endpoint } from '../endpoint';
import { applyRewardTemplate } from '../templates';
import { finiteScores, scalar } from './checks';
import { oneScorePerInput } from '../validate';

type ServerKind = 'vllm-pooling' | 'vllm-classify' | 'tei' | 'openrlhf';
type Cfg = Extract<RewardConfig, { kind: ServerKind }>;

const PATHS: Record<ServerKind, string> = { 'vllm-pooling': '/pooling', 'vllm-classify': '/classify', tei: '/predict', openrlhf: '/get_reward' };

export class ServerReward implements RewardSource {
  readonly label: string;
  private readonly url: string;
  constructor(
    private readonly ep: Endpoint,
    private readonly cfg: Cfg,
  ) {
    this.url = ep.urlOf({ root: PATHS[cfg.kind] });
    this.label = `${cfg.kind} ${this.url}${cfg.model ? ` (${cfg.model})` : ''}`;
  }

  /** All pairs in one request: every one of these servers takes a list. */
  async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
    if (pairs.length === 0) return [];
    const texts = pairs.map((p) => applyRewardTemplate(this.cfg.template, p.prompt, p.response));
    const route = { root: PATHS[this.cfg.kind] };
    const model = this.cfg.model ? { model: this.cfg.model } : {};
    switch (this.cfg.kind) {
      case 'vllm-pooling': {
        // Raw reward-head outputs: vLLM would otherwise apply the model's activation (sigmoid/softmax).
        const body = await this.ep.request<{ data?: Array<{ index?: number; data?: unknown }> }>(route, { ...model, input: texts, use_activation: false }, opts);
        return finiteScores(this.byIndex(body?.data, texts.length).map((d) => scalar(d?.data, this.label, this.url)), texts.length, this.label, this.url);
      }
      case 'vllm-classify': {
        const body = await this.ep.request<{ data?: Array<{ index?: number; probs?: unknown }> }>(route, { ...model, input: texts }, opts);
        return finiteScores(this.byIndex(body?.data, texts.length).map((d) => this.classProb(d?.probs)), texts.length, this.label, this.url);
      }
      case 'tei': {
        // TEI reads ["a", "b"] as ONE pair; a batch of single texts is [["a"], ["b"]].
        const body = await this.ep.request<unknown>(route, { inputs: texts.map((t) => [t]), raw_scores: true }, opts);
        const rows = Array.isArray(body) && texts.length === 1 && body.length > 0 && !Array.isArray(body[0]) ? [body] : body;
        if (!Array.isArray(rows)) throw new TqError('reward', `${this.label}: expected a list of predictions`, { url: this.url });
        return finiteScores(rows.map((r) => this.teiScore(r)), texts.length, this.label, this.url);
      }
      case 'openrlhf': {
        const body = await this.ep.request<{ rewards?: unknown; scores?: unknown }>(route, { query: texts }, opts);
        const list = body?.rewards ?? body?.scores;
        if (!Array.isArray(list)) throw new TqError('reward', `${this.label}: no "rewards" list in the answer`, { url: this.url });
        return finiteScores(list.map((v) => scalar(v, this.label, this.url)), texts.length, this.label, this.url);
      }
    }
  }

  private byIndex<T extends { index?: number }>(data: T[] | undefined, n: number): Array<T | undefined> {
    return oneScorePerInput<T>(data, n, { source: this.label, url: this.url });
  }

  /** A one-class head gives its value; a binary classifier the probability of class 1 (the positive label). */
  private classProb(probs: unknown): unknown {
    if (!Array.isArray(probs)) return undefined;
    if (probs.length === 1) return probs[0];
    if (probs.length === 2) return probs[1];
    throw new TqError('reward', `${this.label}: ${probs.length} classes; only one-value or binary classifiers can be rewards`, { url: this.url });
  }

  private teiScore(row: unknown): unknown {
    const list = Array.isArray(row) ? (row as Array<{ score?: unknown; label?: unknown }>) : [row as { score?: unknown; label?: unknown }];
    if (list.length === 1) return list[0]?.score;
    const pos = list.find((e) => /^(label_1|positive|pos|1)$/i.test(String(e?.label ?? '')));
    if (!pos) throw new TqError('reward', `${this.label}: ${list.length} labels and none is LABEL_1/positive; cannot tell which score is the reward`, { url: this.url });
    return pos.score;
  }
}
