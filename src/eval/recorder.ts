// Records every model and reward call of a decode (times, sequences, results) for the critical path, token counts and CPU replay.
import type { CallOptions, Completion, LanguageModel, RewardPair, RewardSource, SampleRequest, ScoreRequest, ScoreResult, TokenId, TokenLogprob } from '../core/model';

/** One sequence of a request as the server's engine sees it (see src/server/engine.ts). */
export interface SeqCost {
  /** Prompt ids for the prefix cache; null when only a count is known (reward inputs). */
  prompt: readonly number[] | null;
  promptTokens: number;
  genTokens: number;
  /** Prompt + generated ids, cached once the sequence finishes. */
  full?: readonly number[];
}

export interface CallRecord {
  /** Engine (served model) name; one engine per name on the reference server. */
  engine: string;
  what: string;
  start: number;
  end: number;
  seqs: SeqCost[];
  /** Positions the model generated (sampled tokens incl. EOS, next-token positions). */
  generated: number;
  /** Reward calls: tokens of the input every pair shares (the prompt and the common start of the responses, i.e. y<t). */
  sharedPromptTokens?: number;
}

export interface Recording {
  calls: CallRecord[];
  /** Results in call order per "role.method", for replaying the decode without servers. */
  results: Map<string, unknown[]>;
}

export const newRecording = (): Recording => ({ calls: [], results: new Map() });

const now = () => performance.now();

/** A result slot in call order (not completion order: calls in flight together may finish either way, and the replay asks in call order). */
function slot(rec: Recording, key: string): (value: unknown) => void {
  let list = rec.results.get(key);
  if (!list) rec.results.set(key, (list = []));
  const i = list.push(undefined) - 1;
  return (value) => (list[i] = value);
}

export function recordModel(inner: LanguageModel, role: string, engine: string, rec: Recording): LanguageModel {
  const eos = () => inner.eosId;
  return {
    label: inner.label,
    get eosId() {
      return inner.eosId;
    },
    warnings: inner.warnings,
    get cheapTokenScoring() {
      return inner.cheapTokenScoring;
    },
    async nextTokens(prompts: TokenId[][], k: number, opts?: CallOptions): Promise<TokenLogprob[][]> {
      const start = now();
      const fill = slot(rec, `${role}.nextTokens`);
      const r = await inner.nextTokens(prompts, k, opts);
      rec.calls.push({ engine, what: `${role}.nextTokens`, start, end: now(), seqs: prompts.map((p) => ({ prompt: p, promptTokens: p.length, genTokens: 1 })), generated: prompts.length });
      fill(r);
      return r;
    },
    async sample(req: SampleRequest, opts?: CallOptions): Promise<Completion[][]> {
      const start = now();
      const fill = slot(rec, `${role}.sample`);
      const r = await inner.sample(req, opts);
      const seqs: SeqCost[] = [];
      r.forEach((perPrompt, i) => {
        const p = req.prompts[i]!;
        for (const c of perPrompt) {
          const ids = c.tokens.map((t) => t.id);
          const e = eos();
          if (c.finish === 'eos' && e !== null) ids.push(e);
          seqs.push({ prompt: p, promptTokens: p.length, genTokens: Math.max(1, ids.length), full: [...p, ...ids] });
        }
      });
      rec.calls.push({ engine, what: `${role}.sample`, start, end: now(), seqs, generated: seqs.reduce((s, q) => s + q.genTokens, 0) });
      fill(r);
      return r;
    },
    async score(req: ScoreRequest, opts?: CallOptions): Promise<ScoreResult[]> {
      const start = now();
      const fill = slot(rec, `${role}.score`);
      const r = await inner.score(req, opts);
      const gen = req.nextTopK ? 1 : 0;
      const seqs = req.items.map((it) => {
        const full = [...it.prompt, ...it.continuation];
        return { prompt: full, promptTokens: full.length, genTokens: Math.max(1, gen) };
      });
      rec.calls.push({ engine, what: `${role}.score`, start, end: now(), seqs, generated: gen * req.items.length });
      fill(r);
      return r;
    },
    async encode(text: string, opts?: CallOptions): Promise<TokenId[]> {
      const start = now();
      const fill = slot(rec, `${role}.encode`);
      const r = await inner.encode(text, opts);
      rec.calls.push({ engine, what: `${role}.encode`, start, end: now(), seqs: [], generated: 0 });
      fill(r);
      return r;
    },
  };
}

/** `tokens` counts a reward input's tokens the way the served reward model does (its prefill cost). */
export function recordReward(inner: RewardSource, role: string, engine: string, tokens: (pair: RewardPair) => number, rec: Recording): RewardSource {
  return {
    label: inner.label,
    async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
      const start = now();
      const fill = slot(rec, `${role}.score`);
      const r = await inner.score(pairs, opts);
      const seqs = pairs.map((p) => ({ prompt: null, promptTokens: Math.max(1, tokens(p)), genTokens: 0 }));
      const shared = pairs.length > 1 && pairs.every((p) => p.prompt === pairs[0]!.prompt) ? tokens({ prompt: pairs[0]!.prompt, response: commonPrefix(pairs.map((p) => p.response)) }) : 0;
      rec.calls.push({ engine, what: `${role}.score`, start, end: now(), seqs, generated: 0, sharedPromptTokens: shared });
      fill(r);
      return r;
    },
  };
}

function commonPrefix(xs: readonly string[]): string {
  let n = xs[0]!.length;
  for (const x of xs) {
    n = Math.min(n, x.length);
    for (let i = 0; i < n; i++)
      if (x.charCodeAt(i) !== xs[0]!.charCodeAt(i)) {
        n = i;
        break;
      }
  }
  // Back to a word boundary: a token cut in half is not shared.
  const cut = xs[0]!.slice(0, n);
  const sp = cut.lastIndexOf(' ');
  return n === xs[0]!.length ? cut : cut.slice(0, Math.max(0, sp));
}
