// Rewards that need no server: AFINN sentiment, keywords, a regex, a length penalty, and sums of rewards.
import Sentiment from 'sentiment';
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { CallOptions, RewardPair, RewardSource } from '../../core/model';
import { applyRewardTemplate } from '../templates';
import { finiteScores } from './checks';

type Cfg = Extract<RewardConfig, { kind: 'builtin' }>;

let analyzer: Sentiment | undefined;

/** Scores the response text (or the templated pair when a template is set) with a pure function. */
export class BuiltinReward implements RewardSource {
  readonly label: string;
  private readonly fn: (text: string) => number;
  constructor(private readonly cfg: Cfg) {
    this.label = `builtin ${cfg.name}${cfg.pattern ? ` /${cfg.pattern}/` : ''}`;
    this.fn = builtinFunction(cfg);
  }
  async score(pairs: RewardPair[], _opts?: CallOptions): Promise<number[]> {
    const texts = pairs.map((p) => (this.cfg.template ? applyRewardTemplate(this.cfg.template, p.prompt, p.response) : p.response));
    return finiteScores(texts.map(this.fn), pairs.length, this.label);
  }
}

function builtinFunction(cfg: Cfg): (text: string) => number {
  const setting = 'tqstar.reward.pattern';
  switch (cfg.name) {
    case 'sentiment':
      // AFINN score per word (the package's "comparative"): length-neutral, roughly in [-5, 5].
      return (t) => (analyzer ??= new Sentiment()).analyze(t).comparative;
    case 'keyword': {
      const words = (cfg.pattern ?? '').split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
      if (words.length === 0) throw new TqError('config', 'builtin keyword reward: "pattern" must list comma-separated words', { setting });
      const res = words.map((w) => new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'gi'));
      return (t) => res.reduce((s, re) => s + (t.match(re)?.length ?? 0), 0);
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(cfg.pattern ?? '', 'g');
      } catch (e) {
        throw new TqError('config', `builtin regex reward: invalid pattern: ${(e as Error).message}`, { setting });
      }
      if (!cfg.pattern) throw new TqError('config', 'builtin regex reward: "pattern" is required', { setting });
      return (t) => t.match(re)?.length ?? 0;
    }
    case 'length': {
      const target = cfg.target ?? 200;
      if (!(target > 0)) throw new TqError('config', 'builtin length reward: "target" must be positive', { setting: 'tqstar.reward.target' });
      // 0 at the target length, −1 per target-length of distance.
      return (t) => -Math.abs([...t].length - target) / target;
    }
    case 'tabular':
      throw new TqError('internal', 'the tabular reward is built by the reward factory');
  }
}

/** Σ weight_i · r_i, all terms scored concurrently. */
export class SumReward implements RewardSource {
  readonly label: string;
  constructor(private readonly terms: Array<{ source: RewardSource; weight: number }>) {
    this.label = `sum(${terms.map((t) => `${t.weight}·${t.source.label}`).join(' + ')})`;
  }
  async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
    const all = await Promise.all(this.terms.map((t) => t.source.score(pairs, opts)));
    return finiteScores(
      pairs.map((_, i) => this.terms.reduce((s, t, j) => s + t.weight * all[j]![i]!, 0)),
      pairs.length,
      this.label,
    );
  }
}
