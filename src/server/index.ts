// The local reference server: a vLLM-shaped (or SGLang/llama.cpp/Ollama/hosted-OpenAI-shaped) HTTP server over in-process models, for demos and tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseCompletion, resolveModel } from '../vllmApi/completionRequest.js';
import { llamacppCheck, llamacppCompletion, llamacppError, llamacppMergedCompletion } from './dialectLlamacpp.js';
import { ollamaCheck, ollamaCompletion, ollamaError, ollamaGenerateAnswer, ollamaGenerateAsCompletion, ollamaPrecheck, ollamaTemplate } from './dialectOllama.js';
import { openaiCompletion, openaiError, openaiPrecheck } from './dialectOpenai.js';
import { sglangCheck, sglangCompletion, sglangDetokenize, sglangError, sglangGenerateAnswer, sglangGenerateAsCompletion, sglangPrecheck, sglangTokenize } from './dialectSglang.js';
import { vllmCompletion, vllmError, vllmLogprobTokenIds } from '../vllmApi/dialectVllm.js';
import { demoEmbeddings } from './embeddings.js';
import { Engine } from './engine.js';
import { FaultInjector, parseFaults } from './faults.js';
import { badRequest, HttpError } from '../vllmApi/httpError.js';
import { jsonObjectBody, listen, readBody, tokenIdsParam } from '../vllmApi/jsonHttp.js';
import { isOff, parseLatency, type SequenceCost } from './latency.js';
import { defaultServed } from './registry.js';
import { llamacppEchoRefusal, llamacppProps, LLAMACPP_SLOTS, llamacppTextCheck, perTokenRows, samplerDefaults, vllmGreedyCheck } from './realism.js';
import { runCompletion } from '../vllmApi/runCompletion.js';
import type { ServableModel, ServableReward } from '../vllmApi/servable.js';

export type { LatencyOptions } from './latency.js';
export { criticalPathMs, isolatedRequestMs, parseLatency, VLLM_8B, type ScheduledRequest, type SequenceCost } from './latency.js';
export type { FaultOptions } from './faults.js';
export type { ServableModel, ServableReward } from '../vllmApi/servable.js';

export { SERVER_DIALECTS, type RequestRecord, type RunningServer, type ServerDialect, type ServerOptions, type ServerStats } from './options.js';
import { SERVER_DIALECTS, type RequestRecord, type RunningServer, type ServerOptions, type ServerStats } from './options.js';

export const OWNED_BY = 'tqstar-reference-server (demo/test backend)';
const MAX_BODY = 64 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A response body serialised ahead of its release, so that serialising overlaps the modelled time too. */
class Json {
  readonly text: string;
  constructor(body: unknown) {
    this.text = JSON.stringify(body);
  }
}


/** Drops the BOS that encode() adds when the caller asked for no special tokens. */
function special(model: ServableModel, ids: number[], add: boolean): number[] {
  return !add && model.bosId !== undefined && ids[0] === model.bosId ? ids.slice(1) : ids;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dialect = opts.dialect ?? 'vllm';
  if (!(SERVER_DIALECTS as readonly string[]).includes(dialect)) throw new Error(`--dialect must be one of ${SERVER_DIALECTS.join(', ')}, got "${dialect}"`);
  const latency = parseLatency(opts.latency);
  const realistic = opts.realistic ?? true;
  const defaults = samplerDefaults(dialect, realistic);
  const slots = opts.slots ?? LLAMACPP_SLOTS;
  const faults = new FaultInjector(parseFaults(opts.faults));
  const served = defaultServed();
  const models = new Map<string, ServableModel>([...served.models, ...(opts.models ?? [])].map((m) => [m.name, m]));
  const rewards = new Map<string, ServableReward>([...served.rewards, ...(opts.rewards ?? [])].map((r) => [r.name, r]));
  const engines = new Map<string, Engine>();
  const engine = (name: string) => {
    let e = engines.get(name);
    if (!e) engines.set(name, (e = new Engine(latency, !isOff(latency))));
    return e;
  };
  const stats: Omit<ServerStats, 'log'> = { requests: 0, byPath: {}, faults: { '429': 0, '500': 0, drop: 0, malformed: 0, delay: 0 }, engines: {} };
  let counter = 0;
  const log: RequestRecord[] = [];
  const record = (path: string, model: string, startMs: number, sequences: SequenceCost[]) => {
    if (!opts.logRequests) return;
    log.push({ seq: log.length ? log[log.length - 1]!.seq + 1 : 1, path, model, startMs, endMs: performance.now(), sequences });
    if (log.length > opts.logRequests) log.shift();
  };
  const created = () => Math.floor(Date.now() / 1000);
  const renderError = { vllm: vllmError, sglang: sglangError, llamacpp: llamacppError, ollama: ollamaError, openai: openaiError }[dialect];
  const render = { vllm: vllmCompletion, sglang: sglangCompletion, llamacpp: realistic ? llamacppMergedCompletion : llamacppCompletion, ollama: ollamaCompletion, openai: openaiCompletion }[dialect];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body instanceof Json ? body.text : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  // A request with nothing to run (no sequences) still pays its overhead.
  const overheadUntil = (readyAt: number) => {
    const left = readyAt - performance.now();
    return left > 0 ? sleep(left) : Promise.resolve();
  };

  const modelList = () => ({
    object: 'list',
    data: [...models.values(), ...rewards.values()].map((m) => ({
      id: m.name,
      object: 'model',
      created: created(),
      owned_by: OWNED_BY,
      root: m.name,
      parent: null,
      ...('maxModelLen' in m ? { max_model_len: m.maxModelLen } : {}),
    })),
  });

  async function completions(body: Record<string, unknown>) {
    const startMs = performance.now();
    if (dialect === 'ollama') {
      ollamaPrecheck(body);
      // /v1/completions never sets Raw: the prompt becomes a user turn of the model's template.
      if (realistic) body = { ...body, prompt: ollamaTemplate(body.prompt as string) };
    }
    if (dialect === 'sglang') sglangPrecheck(body);
    if (dialect === 'openai') openaiPrecheck(body);
    if (dialect === 'llamacpp' && realistic && body.echo === true) {
      if (opts.llamacppEcho === 'refuse-500') throw llamacppEchoRefusal();
      body = { ...body, echo: false };
    }
    const job = parseCompletion(models, body, defaults);
    if (dialect === 'vllm' && realistic) vllmGreedyCheck(job.n, job.gen.temperature);
    if (dialect === 'vllm' && opts.stopTokenIds?.length) job.gen.stopTokenIds = opts.stopTokenIds;
    if (dialect === 'vllm' && opts.logprobTokenIds !== 'ignore') vllmLogprobTokenIds(body, job);
    if (dialect === 'llamacpp') llamacppCheck(job, body, realistic ? slots : LLAMACPP_SLOTS, realistic);
    if (dialect === 'ollama') ollamaCheck(job);
    if (dialect === 'sglang') sglangCheck(job);
    // The stand-in model computes the answer (and its JSON) while the modelled GPU passes run, as on a
    // real server: the passes are dated from arrival + overhead, and the answer leaves at the later of the two.
    const readyAt = startMs + latency.request;
    const results = runCompletion(job);
    if (dialect === 'llamacpp' && realistic) llamacppTextCheck(results.flatMap((r) => r.samples.map((g) => g.ids.filter((t) => t !== job.model.eosId).flatMap((t) => job.model.tokenBytes(t)))));
    const id = `cmpl-${(++counter).toString(16).padStart(8, '0')}`;
    const answer = new Json(render(job, results, id, created()));
    // Prompt logprobs (echo, prompt_logprobs) are computed afresh: vLLM's SamplingParams sets
    // skip_reading_prefix_cache when prompt_logprobs is set, and echo sets it. logprob_token_ids is
    // not prompt logprobs: such a request is an ordinary generation that reads the cache.
    const noCacheRead = job.echo || job.promptLogprobs !== null;
    const seqs = results.flatMap((r) => r.samples.map((g) => ({ prompt: r.promptIds, promptTokens: r.promptIds.length, genTokens: g.ids.length, full: [...r.promptIds, ...g.ids], noCacheRead })));
    const costs = await engine(job.model.name).submit(seqs, readyAt);
    await overheadUntil(readyAt);
    record('/v1/completions', job.model.name, startMs, costs);
    return answer;
  }

  /** Ollama's native route, run as a one-prompt, one-sample completion. */
  async function generate(body: Record<string, unknown>) {
    const startMs = performance.now();
    const job = parseCompletion(models, ollamaGenerateAsCompletion(body, realistic));
    const readyAt = startMs + latency.request;
    const results = runCompletion(job);
    const answer = new Json(ollamaGenerateAnswer(job, results));
    const costs = await engine(job.model.name).submit(results.flatMap((r) => r.samples.map((g) => ({ prompt: r.promptIds, promptTokens: r.promptIds.length, genTokens: g.ids.length, full: [...r.promptIds, ...g.ids] }))), readyAt);
    await overheadUntil(readyAt);
    record('/api/generate', job.model.name, startMs, costs);
    return answer;
  }

  /** SGLang's native route, run as one completion over every input (see dialectSglang.ts). */
  async function sglangGenerate(body: Record<string, unknown>) {
    const startMs = performance.now();
    const { completion, batch, starts } = sglangGenerateAsCompletion(body);
    const job = parseCompletion(models, completion, defaults);
    const readyAt = startMs + latency.request;
    const results = runCompletion(job);
    const answer = new Json(sglangGenerateAnswer(job, results, batch, starts, body.return_text_in_logprobs === true));
    // SGLang reads its radix cache up to logprob_start_len and computes only the scored tail afresh; the client
    // scores from the prompt's end, so the cached prefix is treated as read (unlike vLLM's prompt logprobs).
    const costs = await engine(job.model.name).submit(results.flatMap((r) => r.samples.map((g) => ({ prompt: r.promptIds, promptTokens: r.promptIds.length, genTokens: g.ids.length, full: [...r.promptIds, ...g.ids] }))), readyAt);
    await overheadUntil(readyAt);
    record('/generate', job.model.name, startMs, costs);
    return answer;
  }

  async function pool(body: Record<string, unknown>, path: '/pooling' | '/classify') {
    const startMs = performance.now();
    const name = body.model ?? rewards.keys().next().value;
    const reward = typeof name === 'string' ? rewards.get(name) : undefined;
    if (!reward) throw new HttpError(404, `The model \`${String(name)}\` does not exist.`, 'NotFoundError', 'model');
    const raw = body.input ?? body.text;
    const inputs = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((s) => typeof s === 'string'))
      throw badRequest('input must be a string or a non-empty array of strings (this reference server does not take token ids or messages here).', 'input');
    const readyAt = startMs + latency.request;
    const counts = inputs.map((s) => reward.countTokens(s));
    const scores = inputs.map((s) => reward.score(s));
    const costs = await engine(reward.name).submit(counts.map((c) => ({ prompt: null, promptTokens: Math.max(1, c), genTokens: 0 })), readyAt);
    await overheadUntil(readyAt);
    record(path, reward.name, startMs, costs);
    const activation = body.use_activation ?? body.activation ?? body.softmax;
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const promptTokens = counts.reduce((a, b) => a + b, 0);
    const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 };
    const id = `${path === '/pooling' ? 'pool' : 'classify'}-${(++counter).toString(16).padStart(8, '0')}`;
    // A reward model's pooler returns the raw score; /classify applies the 1-label activation unless told not to.
    // Realistic vLLM: /pooling without a task answers token_classify rows; with task "classify" it is /classify's head.
    if (path === '/pooling') {
      const task = body.task;
      if (realistic && task === undefined)
        return { id, object: 'list', created: created(), model: reward.name, data: scores.map((s, index) => ({ index, object: 'pooling', data: perTokenRows(s, counts[index]!) })), usage };
      if (task !== undefined && task !== 'classify' && task !== 'reward' && task !== 'token_classify')
        throw badRequest(`Unsupported task: ${JSON.stringify(task)}. Supported tasks: classify, token_classify.`, 'task');
      const activate = task === 'classify' ? activation !== false : activation === true;
      return { id, object: 'list', created: created(), model: reward.name, data: scores.map((s, index) => ({ index, object: 'pooling', data: [activate ? sigmoid(s) : s] })), usage };
    }
    return {
      id,
      object: 'list',
      created: created(),
      model: reward.name,
      data: scores.map((s, index) => ({ index, label: 'LABEL_0', probs: [activation === false ? s : sigmoid(s)], num_classes: 1 })),
      usage,
    };
  }

  /**
   * vLLM's /score for a cross-encoder (entrypoints/pooling/score/protocol.py ScoreTextRequest, utils.py
   * validate_score_input, vLLM @1fff4ef): text_1 and text_2 each a string or a list, paired 1:1, 1:N or N:N.
   * Demo/test behaviour: the served reward has no second segment, so a pair scores as the reward of text_1 + text_2
   * (what /pooling gives the joined text); the 1-label activation (sigmoid) applies unless use_activation is false.
   */
  async function crossScore(body: Record<string, unknown>) {
    const startMs = performance.now();
    const name = body.model ?? rewards.keys().next().value;
    const reward = typeof name === 'string' ? rewards.get(name) : undefined;
    if (!reward) throw new HttpError(404, `The model \`${String(name)}\` does not exist.`, 'NotFoundError', 'model');
    const list = (v: unknown, param: string) => {
      const l = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(l) || !l.every((s) => typeof s === 'string'))
        throw badRequest(`${param} must be a string or an array of strings (this reference server does not take multimodal content).`, param);
      return l as string[];
    };
    const [a, b] = [list(body.text_1, 'text_1'), list(body.text_2, 'text_2')];
    // The checks and messages of vLLM's _validate_score_input_lens.
    if (a.length > 1 && a.length !== b.length) throw badRequest('Input lengths must be either 1:1, 1:N or N:N');
    if (a.length === 0) throw badRequest('At least one text element must be given');
    if (b.length === 0) throw badRequest('At least one text_pair element must be given');
    const joined = b.map((d, i) => (a.length === 1 ? a[0]! : a[i]!) + d);
    const readyAt = startMs + latency.request;
    const counts = joined.map((t) => reward.countTokens(t));
    const scores = joined.map((t) => reward.score(t));
    const costs = await engine(reward.name).submit(counts.map((c) => ({ prompt: null, promptTokens: Math.max(1, c), genTokens: 0 })), readyAt);
    await overheadUntil(readyAt);
    record('/score', reward.name, startMs, costs);
    const activation = body.use_activation ?? body.activation ?? body.softmax;
    const promptTokens = counts.reduce((x, y) => x + y, 0);
    return {
      id: `score-${(++counter).toString(16).padStart(8, '0')}`,
      object: 'list',
      created: created(),
      model: reward.name,
      data: scores.map((s, index) => ({ index, object: 'score', score: activation === false ? s : 1 / (1 + Math.exp(-s)) })),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
    };
  }

  function tokenize(body: Record<string, unknown>) {
    const model = resolveModel(models, body.model);
    if (dialect === 'llamacpp') {
      // llama-server tokenizes only a "content" field; without one it answers an empty list.
      if (typeof body.content !== 'string') return { tokens: [] };
      // parse_special (default true) reads a special token's own text as that token (tokenize_mixed in server-common.cpp).
      const specialText = body.parse_special !== false && (body.content === model.vocab[model.eosId] || (model.bosId !== undefined && body.content === model.vocab[model.bosId]));
      const ids = specialText ? [model.vocab.indexOf(body.content)] : special(model, model.encode(body.content), body.add_special !== false);
      if (body.with_pieces !== true) return { tokens: ids };
      return {
        tokens: ids.map((id) => {
          const bytes = model.tokenBytes(id);
          const text = model.decode([id]);
          // llama-server sends a piece that is not valid UTF-8 on its own as its bytes.
          return { id, piece: text.includes('\uFFFD') ? bytes : text };
        }),
      };
    }
    if (body.messages !== undefined) throw badRequest('messages are not supported by the reference server; send prompt.', 'messages');
    if (typeof body.prompt !== 'string') throw badRequest('prompt must be a string.', 'prompt');
    const ids = special(model, model.encode(body.prompt), body.add_special_tokens !== false);
    return { count: ids.length, max_model_len: model.maxModelLen, tokens: ids, token_strs: body.return_token_strs === true ? ids.map((id) => model.vocab[id]!) : null };
  }

  function detokenize(body: Record<string, unknown>) {
    const model = resolveModel(models, body.model);
    const text = model.decode(tokenIdsParam(body.tokens, model.vocab.length));
    return dialect === 'llamacpp' ? { content: text } : { prompt: text };
  }

  async function route(method: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    const post = (f: () => unknown) => {
      if (method !== 'POST') throw new HttpError(405, 'Method Not Allowed');
      return f();
    };
    switch (path) {
      case '/v1/models':
        if (method !== 'GET') throw new HttpError(405, 'Method Not Allowed');
        return modelList();
      case '/health':
        return dialect === 'llamacpp' ? { status: 'ok' } : {};
      case '/props':
        if (dialect === 'llamacpp' && realistic) {
          if (method !== 'GET') throw new HttpError(405, 'Method Not Allowed');
          const m = resolveModel(models, undefined);
          return llamacppProps({ slots, eosText: m.vocab[m.eosId]!, bosText: m.bosId !== undefined ? m.vocab[m.bosId]! : '', nCtx: m.maxModelLen, defaults, modelName: m.name });
        }
        break;
      case '/v1/completions':
        return post(() => completions(body));
      case '/api/generate':
        if (dialect === 'ollama') return post(() => generate(body));
        break;
      case '/generate':
        if (dialect === 'sglang') return post(() => sglangGenerate(body));
        break;
      case '/v1/embeddings':
        return post(() => demoEmbeddings(body));
      case '/pooling':
      case '/classify':
        return post(() => pool(body, path));
      // vLLM serves /v1/score too, as a deprecated alias of /score (pooling/score/api_router.py).
      case '/score':
      case '/v1/score':
        return post(() => crossScore(body));
      case '/tokenize':
      case '/detokenize':
        if (dialect === 'vllm' || dialect === 'llamacpp') return post(() => (path === '/tokenize' ? tokenize(body) : detokenize(body)));
        break;
      case '/v1/tokenize':
        if (dialect === 'sglang')
          return post(() => {
            const m = resolveModel(models, body.model);
            return sglangTokenize(m, body, (ids, add) => special(m, ids, add));
          });
        break;
      case '/v1/detokenize':
        if (dialect === 'sglang') return post(() => sglangDetokenize(resolveModel(models, body.model), body));
        break;
    }
    throw new HttpError(404, `Not Found: ${method} ${path}`, 'NotFoundError');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    try {
      const text = await readBody(req, MAX_BODY);
      if (method === 'POST' && faults.active) {
        const f = faults.next();
        if (f.delayMs > 0) {
          stats.faults.delay++;
          await sleep(f.delayMs);
        }
        if (f.kind) stats.faults[f.kind]++;
        if (f.kind === 'drop') return void req.socket.destroy();
        if (f.kind === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"id":"cmpl-malformed","object":"text_completion","choices":[{"index":0,"text":"');
        }
        if (f.kind === '429')
          return send(res, 429, renderError(new HttpError(429, 'Too many requests (injected fault).', 'RateLimitError')), { 'retry-after': String(faults.o.retryAfter ?? 1) });
        if (f.kind === '500') return send(res, 500, renderError(new HttpError(500, 'Internal server error (injected fault).')));
      }
      send(res, 200, await route(method, path, jsonObjectBody(method, text)));
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e));
      if (!res.headersSent) send(res, err.status, renderError(err));
    }
  }

  const { url, close } = await listen(createServer((req, res) => void handle(req, res)), opts.port, opts.host);
  if (!opts.quiet) console.log(`tqstar reference server (demo/test backend, ${dialect} dialect) listening on ${url} — OpenAI base URL ${url}/v1`);
  return {
    url,
    close,
    stats: () => ({
      requests: stats.requests,
      byPath: { ...stats.byPath },
      faults: { ...stats.faults },
      engines: Object.fromEntries([...engines].map(([k, e]) => [k, { ...e.stats }])),
      log: log.map((r) => ({ ...r, sequences: [...r.sequences] })),
    }),
  };
}
