// One GGUF model loaded by node-llama-cpp: tokenizer, raw next-token distributions, batched sampling and exact scoring.
import type { ControlledEvaluateInputItem, Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { createHash } from 'node:crypto';
import { firstStop, type GenParams, type Generation, type PositionLogprobs } from '../vllmApi/generate';
import { HttpError } from '../vllmApi/httpError';
import { mix32 } from '../vllmApi/sampling';
import { checkGgufFile } from './ggufFile';
import { takeLlamaLog } from './llamaLog';
import { classifyLoadError, EngineLoadError } from './loadFailure';
import { SequencePool } from './sequencePool';

export interface LoadOptions {
  name: string;
  file: string;
  /** Parallel sequences in the one context (default: 48 for models under 64 MB, else 4). */
  sequences?: number;
  /** Tokens per sequence (default: the model's training context, at most 1024). */
  contextSize?: number;
}

/** What a client learns about a served model (also sent to the parent when the engine is ready). */
export interface ModelInfo {
  name: string;
  file: string;
  architecture: string;
  vocabSize: number;
  /** sha256 of the token list: equal hashes mean the same vocabulary. */
  vocabHash: string;
  eosId: number | null;
  bosId: number | null;
  addBos: boolean;
  contextSize: number;
  sequences: number;
}

export interface SampleStream {
  /** Mixed with the position so that every position draws a fresh seed (node-llama-cpp makes a new sampler per call). */
  seed: number;
}

const NEUTRAL = { topK: 0, topP: 1, minP: 0 };

export class LocalModel {
  readonly vocab: string[];
  readonly info: ModelInfo;
  private readonly pool: SequencePool;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    info: ModelInfo,
    /** The file's raw token pieces (SentencePiece spells a leading space as U+2581). */
    private readonly pieces: readonly string[],
  ) {
    this.info = info;
    this.vocab = Array.from({ length: info.vocabSize }, (_, id) => this.tokenText(id));
    this.pool = new SequencePool(Array.from({ length: context.totalSequences }, () => context.getSequence()));
  }

  static async load(llama: Llama, o: LoadOptions): Promise<LocalModel> {
    const bad = checkGgufFile(o.file);
    if (bad) throw new EngineLoadError(bad);
    let model: LlamaModel;
    takeLlamaLog();
    try {
      model = await llama.loadModel({ modelPath: o.file, gpuLayers: 0 });
    } catch (e) {
      throw new EngineLoadError(classifyLoadError(o.file, e, takeLlamaLog()));
    }
    const small = model.size < 64 * 1024 * 1024;
    const sequences = o.sequences ?? (small ? 48 : 4);
    const contextSize = o.contextSize ?? Math.min(model.trainContextSize, 1024);
    let context: LlamaContext;
    try {
      // threads 1: several threads per context spin against each other on a small shared machine (ENGINE.md).
      // F32 KV cache and no flash attention: the log-probabilities match a float reference to ~1e-5.
      context = await model.createContext({
        sequences,
        contextSize,
        threads: 1,
        flashAttention: false,
        ...(small ? { experimentalKvCacheKeyType: 'F32' as const, experimentalKvCacheValueType: 'F32' as const } : {}),
      });
    } catch (e) {
      await model.dispose();
      throw new EngineLoadError(classifyLoadError(o.file, e, takeLlamaLog()));
    }
    const meta = model.fileInfo.metadata as { general?: { architecture?: string }; tokenizer?: { ggml?: { tokens?: readonly string[] } } };
    const tokens = meta.tokenizer?.ggml?.tokens ?? [];
    const info: ModelInfo = {
      name: o.name,
      file: o.file,
      architecture: String(meta.general?.architecture ?? 'unknown'),
      vocabSize: tokens.length,
      vocabHash: createHash('sha256').update(tokens.join('\u0000')).digest('hex'),
      eosId: model.tokens.eos,
      bosId: model.tokens.bos,
      addBos: model.tokens.bos !== null && model.tokens.shouldPrependBosToken,
      contextSize: context.contextSize,
      sequences: context.totalSequences,
    };
    return new LocalModel(model, context, info, tokens);
  }

  get eosId(): number | null {
    return this.info.eosId;
  }

  /**
   * Text → ids, with BOS first when the model's metadata says to add it. Without special tokens a lone
   * SentencePiece space prefix before text that has no leading space is left out, so that a piece of
   * text (a stop marker, a template part) decodes back to itself when joined to others.
   */
  encode(text: string, addSpecial = true): number[] {
    let ids = this.model.tokenize(text, false) as number[];
    if (!addSpecial && ids.length > 1 && this.pieces[ids[0]!] === '\u2581' && !text.startsWith(' ')) ids = ids.slice(1);
    return addSpecial && this.info.addBos ? [this.info.bosId!, ...ids] : ids;
  }

  /**
   * Ids → text, special tokens (BOS, EOS) left out as vLLM's skip_special_tokens does. `before`: the
   * tokens that precede them (a prompt), so that the first one keeps its leading space, as vLLM's
   * incremental detokenizer gives a completion's text.
   */
  decode(ids: readonly number[], before: readonly number[] = []): string {
    const plain = (xs: readonly number[]) => xs.filter((id) => id !== this.info.eosId && id !== this.info.bosId) as never[];
    const ctx = plain(before).slice(-4);
    return ctx.length ? this.model.detokenize(plain(ids), false, ctx) : this.model.detokenize(plain(ids), false);
  }

  tokenBytes(id: number): number[] {
    return [...Buffer.from(this.tokenText(id), 'utf8')];
  }

  /** A token's own text, leading space included (decoded as if something came before it). */
  private tokenText(id: number): string {
    if (id === this.info.eosId || id === this.info.bosId) return this.model.detokenize([id] as never[], true);
    const before = this.info.bosId !== null ? [this.info.bosId] : [];
    return this.model.detokenize([id] as never[], false, before as never[]);
  }

  /** Log-probability of each prompt token given those before it (null for the first), with the top-k, in one evaluation. */
  async promptPositions(prompt: readonly number[], k: number): Promise<(PositionLogprobs | null)[]> {
    if (prompt.length < 2) return prompt.map(() => null);
    const { seq, keep } = await this.pool.acquire(prompt);
    try {
      // Positions already in the cache have no logits left: evaluate from the start when anything before the end is wanted.
      if (keep > 0) await seq.eraseContextTokenRanges([{ start: 0, end: seq.nextTokenIndex }]);
      const input: ControlledEvaluateInputItem[] = prompt.map((id, i) => (i < prompt.length - 1 ? [id as never, { generateNext: { probabilities: true } }] : (id as never)));
      const out = await seq.controlledEvaluate(input);
      return prompt.map((id, i) => {
        if (i === 0) return null;
        const probs = out[i - 1]?.next.probabilities;
        if (!probs) throw new Error(`no distribution at prompt position ${i}`);
        if (hasNaN(probs)) throw this.nonFinite();
        return position(probs, id, k);
      });
    } finally {
      this.pool.release(seq);
    }
  }

  /** One sampled continuation; every position's raw log-probability (before temperature), top-k where asked. */
  async generate(prompt: readonly number[], p: GenParams, stream: SampleStream): Promise<Generation> {
    const limit = Math.min(p.maxTokens, Math.max(0, this.info.contextSize - prompt.length));
    if (limit === 0) return { ids: [], positions: [], text: '', finish: 'length', stopReason: null };
    const { seq, keep } = await this.pool.acquire(prompt);
    const T = p.temperature;
    // The raw log-probabilities of a tempered distribution need all of it (log p = T·log p_T − log Σ p_T^T).
    const full = T !== 0 && T !== 1;
    // vLLM's logprob_token_ids: those ids' raw log-probabilities instead of the natural top-k (dialectVllm.ts).
    const listed = p.logprobTokenIds;
    const wantTop = p.logprobs !== null && (p.logprobs > 0 || !!listed);
    const ids: number[] = [];
    const positions: PositionLogprobs[] = [];
    try {
      const step = (id: number, i: number): ControlledEvaluateInputItem => [
        id as never,
        {
          generateNext: {
            token: true,
            confidence: true,
            probabilities: wantTop || full,
            options: { temperature: T, topK: p.topK > 0 ? p.topK : NEUTRAL.topK, topP: p.topP, minP: NEUTRAL.minP, seed: mix32(stream.seed, i) },
          },
        },
      ];
      let input: ControlledEvaluateInputItem[] = [...(prompt.slice(keep, -1) as never[]), step(prompt[prompt.length - 1]!, 0)];
      while (ids.length < limit) {
        const out = await seq.controlledEvaluate(input);
        const next = out[out.length - 1]?.next;
        if (!next || next.token === undefined || next.token === null) throw new Error('llama.cpp returned no token');
        const id = next.token as number;
        if (!finiteConfidence(next.confidence) || (next.probabilities && hasNaN(next.probabilities))) throw this.nonFinite();
        if (p.logprobs !== null) {
          const lp = full ? rawLogprobs(next.probabilities!, T) : null;
          const k = listed ? 0 : p.logprobs;
          const pos = lp ? positionFromLog(lp, id, k) : wantTop ? position(next.probabilities!, id, k) : { id, logprob: Math.log(next.confidence!), rank: 0, top: [] };
          if (listed) pos.top = listed.map((t) => ({ id: t, logprob: lp ? (lp.find(([tok]) => tok === t)?.[1] ?? -Infinity) : Math.log(next.probabilities!.get(t as never) ?? 0) }));
          positions.push(pos);
        }
        if (id === this.info.eosId) return { ids: [...ids, id], positions, text: this.decode(ids, prompt), finish: 'stop', stopReason: null };
        ids.push(id);
        if (p.stop.length) {
          const text = this.decode(ids, prompt);
          const hit = firstStop(text, p.stop);
          if (hit) return { ids, positions, text: text.slice(0, hit.at), finish: 'stop', stopReason: hit.stop };
        }
        input = [step(id, ids.length)];
      }
      return { ids, positions, text: this.decode(ids, prompt), finish: 'length', stopReason: null };
    } finally {
      this.pool.release(seq);
    }
  }

  /** NaN or infinite weights make NaN logits: say so, naming the file (a client would only see missing log-probabilities). */
  private nonFinite(): HttpError {
    return new HttpError(422, `${this.info.file}: the model produced non-finite logits (NaN); its weights are damaged or overflow in float arithmetic — check or replace this file`);
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}

function finiteConfidence(c: number | undefined): boolean {
  return c === undefined || Number.isFinite(c);
}

/** The map is sorted by probability, highest first; NaN sorts anywhere, so every value is looked at (the vocabulary, once per position). */
function hasNaN(probs: Map<unknown, number>): boolean {
  for (const p of probs.values()) if (Number.isNaN(p)) return true;
  return false;
}

/** A position from node-llama-cpp's probability map (sorted, highest first), as log-probabilities. */
function position(probs: Map<unknown, number>, id: number, k: number): PositionLogprobs {
  const top: { id: number; logprob: number }[] = [];
  let rank = 0;
  let logprob = -Infinity;
  let r = 0;
  for (const [tok, p] of probs) {
    r++;
    if (top.length < k) top.push({ id: tok as number, logprob: Math.log(p) });
    if (tok === id) {
      rank = r;
      logprob = Math.log(p);
    }
    if (rank && top.length >= k) break;
  }
  return { id, logprob, rank: rank || probs.size + 1, top };
}

/** Undo the temperature of a full tempered distribution: log p_raw(i) = T·log p_T(i) − log Σ_j p_T(j)^T. */
function rawLogprobs(probs: Map<unknown, number>, T: number): Array<[number, number]> {
  const scaled: Array<[number, number]> = [];
  for (const [tok, p] of probs) if (p > 0) scaled.push([tok as number, T * Math.log(p)]);
  const max = scaled.length ? scaled[0]![1] : 0;
  let z = 0;
  for (const [, s] of scaled) z += Math.exp(s - max);
  const logZ = max + Math.log(z);
  return scaled.map(([tok, s]) => [tok, s - logZ]);
}

function positionFromLog(sorted: Array<[number, number]>, id: number, k: number): PositionLogprobs {
  const at = sorted.findIndex(([tok]) => tok === id);
  return {
    id,
    logprob: at >= 0 ? sorted[at]![1] : -Infinity,
    rank: at >= 0 ? at + 1 : sorted.length + 1,
    top: sorted.slice(0, k).map(([tok, logprob]) => ({ id: tok, logprob })),
  };
}
