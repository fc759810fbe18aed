// Reward servers with a documented list API: vLLM /pooling, /classify and /score, TEI /predict, OpenRLHF /get_reward.
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { CallOptions, RewardPair, RewardSource } from '../../core/model';
import type { Endpoint } from '../endpoint';
import { applyRewardTemplate, splitRewardTemplate } from '../templates';
import { finiteScores, scalar } from './checks';
import { oneScorePerInput } from '../validate';

type ServerKind = 'vllm-pooling' | 'vllm-classify' | 'vllm-score' | 'tei' | 'openrlhf';
type Cfg = Extract<RewardConfig, { kind: ServerKind }>;

const PATHS: Record<ServerKind, string> = { 'vllm-pooling': '/pooling', 'vllm-classify': '/classify', 'vllm-score': '/score', tei: '/predict', openrlhf: '/get_reward' };

export class ServerReward implements RewardSource {
  readonly label: string;
  /** Every HTTP request goes through the endpoint with the caller's onRequest: the run counts exactly those. */
  readonly countsRequests = true;
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
        // task "classify": without it vLLM picks token_classify for a sequence-classification reward model and
        // answers one row per token (entrypoints/pooling/pooling/serving.py). use_activation false: the raw
        // reward-head output, not its sigmoid/softmax (pooling/base/protocol.py ClassifyRequestMixin).
        const body = await this.ep.request<{ data?: Array<{ index?: number; data?: unknown }> }>(route, { ...model, input: texts, task: 'classify', use_activation: false }, opts);
        return finiteScores(this.byIndex(body?.data, texts.length).map((d) => this.pooled(d?.data)), texts.length, this.label, this.url);
      }
      case 'vllm-classify': {
        // /classify applies the head's activation by default (sigmoid for one label): use_activation false keeps the
        // same raw scale as vllm-pooling.
        const body = await this.ep.request<{ data?: Array<{ index?: number; probs?: unknown }> }>(route, { ...model, input: texts, use_activation: false }, opts);
        return finiteScores(this.byIndex(body?.data, texts.length).map((d) => this.classProb(d?.probs)), texts.length, this.label, this.url);
      }
      case 'vllm-score': {
        // vLLM @1fff4ef, entrypoints/pooling/score/protocol.py ScoreTextRequest {model, text_1, text_2}: each a string
        // or a list; utils.py _validate_score_input_lens takes 1:1, 1:N or N:N. ScoreResponse {data: [{index, score}]}.
        // One request for the batch: one shared query as a string (1:N), else the queries as a list (N:N).
        // use_activation false: the raw head output; the default (ClassifyRequestMixin, True) is its sigmoid.
        const sides = pairs.map((p) => splitRewardTemplate(this.cfg.template, p.prompt, p.response));
        const queries = sides.map((x) => x.query);
        const text_1 = queries.every((q) => q === queries[0]) ? queries[0] : queries;
        const body = await this.ep.request<{ data?: Array<{ index?: number; score?: unknown }> }>(route, { ...model, text_1, text_2: sides.map((x) => x.document), use_activation: false }, opts);
        return finiteScores(this.byIndex(body?.data, texts.length).map((d) => d?.score), texts.length, this.label, this.url);
      }
      case 'tei': {
        // TEI reads ["a", "b"] as ONE pair; a batch of single texts is [["a"], ["b"]].
        // truncate: TEI refuses inputs longer than the model's limit otherwise (PredictInput, v1.9.3: default false).
        const body = await this.ep.request<unknown>(route, { inputs: texts.map((t) => [t]), raw_scores: true, truncate: true }, opts);
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

  /** One value per input; a list of per-token rows means the server pooled per token, not per sequence. */
  private pooled(data: unknown): unknown {
    if (Array.isArray(data) && data.length > 1 && data.every((r) => Array.isArray(r)))
      throw new TqError(
        'reward',
        `${this.label}: the server answered one row per token (${data.length} rows), not one score per input: it pooled with token_classify. Serve the model as a sequence-classification reward model (vllm serve … --runner pooling), or set tqstar.reward.kind to "vllm-classify".`,
        { url: this.url, setting: 'tqstar.reward.kind' },
      );
    return scalar(data, this.label, this.url);
  }

  private byIndex<T extends { index?: number }>(data: T[] | undefined, n: number): Array<T | undefined> {
    return oneScorePerInput<T>(data, n, { source: this.label, url: this.url });
  }

  /**
   * Raw head outputs (use_activation false): a one-class head gives its logit; a binary classifier the log-odds of
   * class 1 (the positive label), logit₁ − logit₀, which does not depend on the logits' common offset.
   */
  private classProb(probs: unknown): unknown {
    if (!Array.isArray(probs)) return undefined;
    if (probs.length === 1) return probs[0];
    if (probs.length === 2) return typeof probs[0] === 'number' && typeof probs[1] === 'number' ? probs[1] - probs[0] : undefined;
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
