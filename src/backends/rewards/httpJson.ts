// The generic JSON reward: a request template with placeholders, and a dot path to the score(s).
import type { RewardConfig } from '../../config/schema';
import { TqError } from '../../core/errors';
import type { CallOptions, RewardPair, RewardSource } from '../../core/model';
import type { Endpoint } from '../endpoint';
import { applyRewardTemplate } from '../templates';
import { finiteScores } from './checks';

type Cfg = Extract<RewardConfig, { kind: 'http-json' }>;

/**
 * Substitute placeholders in a JSON template. A string that is exactly "{pairs}" or "{texts}"
 * becomes the list itself; inside other strings {prompt}, {response}, {text} are replaced.
 */
export function fillTemplate(tpl: unknown, v: { prompt?: string; response?: string; text?: string; pairs?: RewardPair[]; texts?: string[] }): unknown {
  if (typeof tpl === 'string') {
    if (tpl === '{pairs}' && v.pairs) return v.pairs.map((p) => ({ prompt: p.prompt, response: p.response }));
    if (tpl === '{texts}' && v.texts) return v.texts;
    return tpl.replace(/\{(prompt|response|text)\}/g, (m, k: 'prompt' | 'response' | 'text') => v[k] ?? m);
  }
  if (Array.isArray(tpl)) return tpl.map((x) => fillTemplate(x, v));
  if (tpl && typeof tpl === 'object') return Object.fromEntries(Object.entries(tpl).map(([k, x]) => [k, fillTemplate(x, v)]));
  return tpl;
}

/** "data.0.score", or "data.*.score" to collect one value from each list element. */
export function getPath(obj: unknown, path: string): unknown {
  if (path === '' || path === '.') return obj;
  const [head, ...rest] = path.split('.');
  const tail = rest.join('.');
  if (head === '*') return Array.isArray(obj) ? obj.map((x) => getPath(x, tail)) : undefined;
  if (obj === null || typeof obj !== 'object') return undefined;
  const next = Array.isArray(obj) ? obj[Number(head)] : (obj as Record<string, unknown>)[head!];
  return rest.length ? getPath(next, tail) : next;
}

export class HttpJsonReward implements RewardSource {
  readonly label: string;
  /** Every HTTP request goes through the endpoint with the caller's onRequest: the run counts exactly those. */
  readonly countsRequests = true;
  constructor(
    private readonly ep: Endpoint,
    private readonly cfg: Cfg,
  ) {
    this.label = `http-json ${cfg.baseUrl}`;
  }

  async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
    if (pairs.length === 0) return [];
    const texts = pairs.map((p) => applyRewardTemplate(this.cfg.template, p.prompt, p.response));
    const post = (body: unknown) => this.ep.request<unknown>({ absolute: true }, body, { signal: opts?.signal, onRequest: opts?.onRequest, absoluteUrl: this.cfg.baseUrl });
    if (this.cfg.batch) {
      const out = getPath(await post(fillTemplate(this.cfg.requestTemplate, { pairs, texts })), this.cfg.responsePath);
      if (!Array.isArray(out)) throw new TqError('reward', `${this.label}: "${this.cfg.responsePath}" is not a list of scores in the answer`, { url: this.cfg.baseUrl });
      return finiteScores(out, pairs.length, this.label, this.cfg.baseUrl, true);
    }
    const each = await Promise.all(pairs.map((p, i) => post(fillTemplate(this.cfg.requestTemplate, { prompt: p.prompt, response: p.response, text: texts[i] })).then((b) => getPath(b, this.cfg.responsePath))));
    return finiteScores(each, pairs.length, this.label, this.cfg.baseUrl, true);
  }
}
