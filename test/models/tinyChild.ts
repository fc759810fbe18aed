// Measurement child of the tiny-model tests: node-llama-cpp runs here, started with UV_THREADPOOL_SIZE=1
// (ENGINE.md pitfall 1: with more libuv workers concurrent sequences can read each other's logits).
// Reads one job from TINY_JOB (JSON), prints one JSON result on stdout.
import { readFileSync } from 'node:fs';
import type { ControlledEvaluateInputItem, Llama, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

export type TinyJob =
  | { op: 'tokenize'; files: string[]; texts: string[] }
  | { op: 'logprobs'; runs: { file: string; kv: 'f32' | 'default'; prompts: { ids: number[]; want: number[][] }[] }[] }
  | { op: 'sample'; sampleFrom: Record<string, string>; scoreWith: Record<string, string>; prompts: string[]; m: number; maxTokens: number; seed: number };

export interface PositionResult { argmax: number; logprobs: Record<number, number> }
export interface Sample { prompt: number; model: string; completion: number[]; text: string; eos: boolean; logp: Record<string, number> }

const NEUTRAL = { temperature: 1, topK: 0, topP: 1, minP: 0 };
const F32_KV = { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', flashAttention: false } as const;

function mix(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Runs fn on every item with one worker per sequence: calls on different sequences of a context batch together. */
async function onSequences<T, R>(seqs: LlamaContextSequence[], items: T[], fn: (seq: LlamaContextSequence, item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(seqs.map(async (seq) => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(seq, items[i]!);
    }
  }));
  return out;
}

async function sampleOne(seq: LlamaContextSequence, prompt: number[], maxTokens: number, seed: number, eos: number): Promise<number[]> {
  await seq.clearHistory();
  const out: number[] = [];
  let input = prompt;
  for (let i = 0; i < maxTokens; i++) {
    const items = input.map((id, j) => (j === input.length - 1 ? ([id, { generateNext: { token: true, options: { ...NEUTRAL, seed: mix(seed, i) } } }] as const) : id));
    const res = await seq.controlledEvaluate(items as ControlledEvaluateInputItem[]);
    const tok = res[res.length - 1]!.next!.token!;
    out.push(tok);
    if (tok === eos) break;
    input = [tok];
  }
  return out;
}

/** Σ log p(completion | prompt), scored in one evaluation with the full distribution at each position. */
async function scoreOne(seq: LlamaContextSequence, prompt: number[], completion: number[]): Promise<number> {
  await seq.clearHistory();
  const all = [...prompt, ...completion];
  const items = all.slice(0, -1).map((id, j) => (j >= prompt.length - 1 ? ([id, { generateNext: { probabilities: true } }] as const) : id));
  const res = await seq.controlledEvaluate(items as ControlledEvaluateInputItem[]);
  let sum = 0;
  for (let k = 0; k < completion.length; k++) sum += Math.log(res[prompt.length - 1 + k]!.next!.probabilities!.get(completion[k]! as Token)!);
  return sum;
}

/** The ggml CPU backend variant llama.cpp picked for this CPU (libggml-cpu-<variant>.so), read from the process's mapped files. */
export function loadedCpuVariant(): string {
  try {
    const libs = readFileSync('/proc/self/maps', 'utf8').match(/libggml-cpu[-\w.]*\.(so|dylib|dll)/g) ?? [];
    return [...new Set(libs)].join(', ') || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function run(llama: Llama, job: TinyJob): Promise<unknown> {
  const load = (file: string): Promise<LlamaModel> => llama.loadModel({ modelPath: file });
  if (job.op === 'tokenize') {
    const out = [];
    for (const file of job.files) {
      const model = await load(file);
      out.push({ bos: model.tokens.bos, eos: model.tokens.eos, ids: job.texts.map((t) => (t === '' ? [] : Array.from(model.tokenize(t)))) });
      await model.dispose();
    }
    return out;
  }
  if (job.op === 'logprobs') {
    const results: PositionResult[][][] = [];
    for (const run of job.runs) {
      const model = await load(run.file);
      const ctx = await model.createContext({ contextSize: 128, sequences: 1, threads: 1, ...(run.kv === 'f32' ? F32_KV : {}) });
      const seq = ctx.getSequence();
      const out: PositionResult[][] = [];
      for (const p of run.prompts) {
        await seq.clearHistory();
        const res = await seq.controlledEvaluate(p.ids.map((id) => [id, { generateNext: { probabilities: true } }]) as ControlledEvaluateInputItem[]);
        out.push(p.want.map((ids, pos) => {
          const probs = res[pos]!.next!.probabilities!;
          return { argmax: [...probs.keys()][0]!, logprobs: Object.fromEntries(ids.map((id) => [id, Math.log(probs.get(id as Token)!)])) };
        }));
      }
      await ctx.dispose();
      await model.dispose();
      results.push(out);
    }
    return { variant: loadedCpuVariant(), results };
  }
  const models: Record<string, LlamaModel> = {};
  for (const [name, file] of Object.entries({ ...job.sampleFrom, ...job.scoreWith })) models[name] ??= await load(file);
  const S = 16;
  const seqsOf = async (m: LlamaModel): Promise<LlamaContextSequence[]> => {
    const ctx = await m.createContext({ contextSize: 64, sequences: S, threads: 1 });
    return Array.from({ length: S }, () => ctx.getSequence());
  };
  const anyModel = Object.values(models)[0]!;
  const bos = anyModel.tokens.bos!;
  const eos = anyModel.tokens.eos!;
  const prompts = job.prompts.map((t) => [bos, ...anyModel.tokenize(t)]);
  const samples: Sample[] = [];
  for (const [name] of Object.entries(job.sampleFrom)) {
    const seqs = await seqsOf(models[name]!);
    const work = prompts.flatMap((p, pi) => Array.from({ length: job.m }, (_, k) => ({ pi, seed: mix(job.seed, pi * 1000 + k) })));
    const comps = await onSequences(seqs, work, (seq, w) => sampleOne(seq, prompts[w.pi]!, job.maxTokens, w.seed, eos));
    work.forEach((w, i) => {
      const c = comps[i]!;
      const body = c.filter((t) => t !== eos);
      samples.push({ prompt: w.pi, model: name, completion: c, eos: c[c.length - 1] === eos, logp: {},
        text: anyModel.detokenize([...prompts[w.pi]!.slice(1), ...body] as Token[]).trimStart() });
    });
  }
  for (const [name] of Object.entries(job.scoreWith)) {
    const seqs = await seqsOf(models[name]!);
    const lps = await onSequences(seqs, samples, (seq, s) => scoreOne(seq, prompts[s.prompt]!, s.completion));
    samples.forEach((s, i) => (s.logp[name] = lps[i]!));
  }
  return samples;
}

async function main(): Promise<void> {
  if (process.env.UV_THREADPOOL_SIZE !== '1') throw new Error('tinyChild must run with UV_THREADPOOL_SIZE=1');
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, skipDownload: true, logLevel: LlamaLogLevel.error });
  const result = await run(llama, JSON.parse(process.env.TINY_JOB!) as TinyJob);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

if (process.env.TINY_JOB) void main().catch((e) => { console.error(e); process.exit(1); });
