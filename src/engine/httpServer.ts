// The local engine's HTTP face: the reference server's vLLM shapes (completions with logprobs, logprob_token_ids, echo scoring, tokenize, models) over llama.cpp models.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseCompletion, resolveModel, type CompletionJob } from '../vllmApi/completionRequest';
import { vllmCompletion, vllmError, vllmLogprobTokenIds } from '../vllmApi/dialectVllm';
import type { Generation } from '../vllmApi/generate';
import { badRequest, HttpError } from '../vllmApi/httpError';
import { jsonObjectBody, listen, readBody, tokenIdsParam } from '../vllmApi/jsonHttp';
import type { PromptResult } from '../vllmApi/runCompletion';
import { mix32 } from '../vllmApi/sampling';
import type { ServableModel } from '../vllmApi/servable';
import type { LocalModel } from './localModel';

/** Every /v1/models entry says what serves it. */
export const ENGINE_OWNED_BY = 'tqstar local engine (llama.cpp through node-llama-cpp)';
const MAX_BODY = 64 * 1024 * 1024;

export interface EngineServer {
  url: string;
  close(): Promise<void>;
}

/** The reference server's request parser needs a ServableModel; the engine's distributions are async, so that part is never called. */
function servable(m: LocalModel): ServableModel {
  return {
    name: m.info.name,
    vocab: m.vocab,
    eosId: m.info.eosId ?? -1,
    ...(m.info.addBos ? { bosId: m.info.bosId! } : {}),
    maxModelLen: m.info.contextSize,
    encode: (t) => m.encode(t),
    decode: (ids) => m.decode(ids),
    tokenBytes: (id) => m.tokenBytes(id),
    nextLogprobs: () => {
      throw new Error('the local engine computes distributions asynchronously');
    },
  };
}

let nonce = 0;

async function runJob(model: LocalModel, job: CompletionJob): Promise<PromptResult[]> {
  const requestNonce = (Date.now() ^ (++nonce * 0x9e3779b1)) >>> 0;
  const promptK = job.promptLogprobs ?? (job.echo && job.gen.logprobs !== null ? job.gen.logprobs : null);
  // Every sample of every prompt at once: node-llama-cpp batches concurrent sequences of one context into one evaluation.
  return Promise.all(
    job.prompts.map(async (promptIds, promptIndex) => {
      const samples = Promise.all(
        Array.from({ length: job.n }, (_, sampleIndex): Promise<Generation> => {
          if (job.gen.maxTokens === 0) return Promise.resolve({ ids: [], positions: [], text: '', finish: 'length', stopReason: null });
          const seed = job.gen.seed !== undefined ? mix32(job.gen.seed, promptIndex, sampleIndex) : mix32(requestNonce, promptIndex, sampleIndex);
          return model.generate(promptIds, job.gen, { seed });
        }),
      );
      const positions = promptK !== null ? model.promptPositions(promptIds, promptK) : null;
      return {
        promptIds,
        promptText: model.decode(promptIds),
        samples: await samples,
        ...(positions ? { promptPositions: await positions } : {}),
      };
    }),
  );
}


export async function startEngineServer(list: LocalModel[], opts: { port?: number; host?: string } = {}): Promise<EngineServer> {
  const local = new Map(list.map((m) => [m.info.name, m]));
  const models = new Map(list.map((m) => [m.info.name, servable(m)]));
  let counter = 0;
  const created = () => Math.floor(Date.now() / 1000);

  async function completions(body: Record<string, unknown>) {
    if (body.ignore_eos === true) throw badRequest('ignore_eos is not supported by the local engine.', 'ignore_eos');
    const job = parseCompletion(models, body);
    vllmLogprobTokenIds(body, job);
    const results = await runJob(local.get(job.model.name)!, job);
    return vllmCompletion(job, results, `cmpl-${(++counter).toString(16).padStart(8, '0')}`, created());
  }

  function tokenize(body: Record<string, unknown>) {
    const m = local.get(resolveModel(models, body.model).name)!;
    if (typeof body.prompt !== 'string') throw badRequest('prompt must be a string.', 'prompt');
    const ids = m.encode(body.prompt, body.add_special_tokens !== false);
    return { count: ids.length, max_model_len: m.info.contextSize, tokens: ids, token_strs: body.return_token_strs === true ? ids.map((id) => m.vocab[id]!) : null };
  }

  function detokenize(body: Record<string, unknown>) {
    const m = local.get(resolveModel(models, body.model).name)!;
    return { prompt: m.decode(tokenIdsParam(body.tokens, m.vocab.length)) };
  }

  async function route(method: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    const post = (f: () => unknown) => {
      if (method !== 'POST') throw new HttpError(405, 'Method Not Allowed');
      return f();
    };
    switch (path) {
      case '/v1/models':
        return {
          object: 'list',
          data: list.map((m) => ({ id: m.info.name, object: 'model', created: created(), owned_by: ENGINE_OWNED_BY, root: m.info.file, parent: null, max_model_len: m.info.contextSize })),
        };
      case '/health':
        return {};
      case '/v1/completions':
        return post(() => completions(body));
      case '/tokenize':
        return post(() => tokenize(body));
      case '/detokenize':
        return post(() => detokenize(body));
      // Which files are loaded, their vocabularies and EOS: what the parent checks before a run.
      case '/engine/info':
        return { models: list.map((m) => m.info) };
    }
    throw new HttpError(404, `Not Found: ${method} ${path}`, 'NotFoundError');
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    try {
      const text = await readBody(req, MAX_BODY);
      send(res, 200, await route(method, path, jsonObjectBody(method, text)));
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e));
      if (!res.headersSent) send(res, err.status, vllmError(err));
    }
  }

  return listen(createServer((req, res) => void handle(req, res)), opts.port, opts.host);
}
