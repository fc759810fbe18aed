// HttpLanguageModel.score on the tail only (vLLM logprob_token_ids) over real HTTP: the values echo gives, one request per prompt, the older-vLLM fallback, chunking, hostile answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel } from '../../src/backends/index';
import { ModelEndpoint } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import type { ScoreItem } from '../../src/core/model';
import { buildWordDemo } from '../../src/models/wordDemo';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index';
import { stubServer, type Stub } from './stubServer';

const demo = buildWordDemo();
const V = demo.base.vocab.length;

function model(url: string, name = 'demo-base') {
  const ep = new Endpoint({ role: 'base', baseUrls: [`${url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.base' });
  return new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${url}/v1`, model: name, dialect: 'vllm' }), DIALECT_CAPABILITIES.vllm);
}

/** The reference server behind a recording proxy: real HTTP both ways, every /v1/completions body kept. */
async function recorded(opts: ServerOptions = {}): Promise<{ server: RunningServer; proxy: Stub; bodies: () => Array<Record<string, unknown>>; close(): Promise<void> }> {
  const server = await startServer({ port: 0, quiet: true, ...opts });
  const proxy = await stubServer(async (r) => {
    const res = await fetch(server.url + r.path, { method: r.method, headers: { 'content-type': 'application/json' }, ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}), signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text() };
  });
  return {
    server,
    proxy,
    bodies: () => proxy.requests.filter((r) => r.path === '/v1/completions').map((r) => r.body as Record<string, unknown>),
    close: async () => {
      await proxy.close();
      await server.close();
    },
  };
}

const prompt = demo.tokenizer.encode('The room was clean and the staff');
const other = demo.tokenizer.encode('We will come back');
/** The exact log-probabilities of the in-process model the server serves. */
const exact = (p: number[], id: number) => Math.max(-9999, demo.base.nextLogprobs(p)[id]!);

describe('scoring one-token continuations on the tail (vLLM logprob_token_ids)', { timeout: 60_000 }, () => {
  test('one request carrying logprob_token_ids and no echo; the values are exact and equal to echo scoring', async () => {
    const r = await recorded();
    const old = await recorded({ logprobTokenIds: 'ignore' });
    try {
      const items: ScoreItem[] = [...[5, 17, 300, V - 1].map((id) => ({ prompt, continuation: [id] })), { prompt: [...prompt], continuation: [5] }];
      const m = model(r.proxy.url);
      assert.equal(m.cheapTokenScoring, true);
      const got = await m.score({ items, sharedPrefix: prompt.length });
      items.forEach((it, i) => assert.deepEqual(got[i], { logprobs: [exact(it.prompt, it.continuation[0]!)] }, `item ${i}`));
      const bodies = r.bodies();
      assert.equal(bodies.length, 1, 'one request for every candidate');
      assert.equal(bodies[0]!.echo, undefined);
      assert.equal(bodies[0]!.max_tokens, 1);
      assert.deepEqual(bodies[0]!.prompt, [prompt], 'the prompt once');
      assert.deepEqual(bodies[0]!.logprob_token_ids, [5, 17, 300, V - 1], 'each id listed once');
      assert.equal(m.warnings.length, 0);
      // The same numbers by echo (an older vLLM, after the fallback).
      const echoed = await model(old.proxy.url).score({ items });
      assert.deepEqual(echoed, got);
      assert.ok(old.bodies().some((b) => b.echo === true));
    } finally {
      await r.close();
      await old.close();
    }
  });

  test('an older vLLM that ignores the field: detected, scored by echo (never guessed), warned once, echo for the rest of the run', async () => {
    const old = await recorded({ logprobTokenIds: 'ignore' });
    try {
      const m = model(old.proxy.url);
      const items = [5, 17, 300].map((id) => ({ prompt, continuation: [id] }));
      const first = await m.score({ items });
      items.forEach((it, i) => assert.deepEqual(first[i], { logprobs: [exact(prompt, it.continuation[0]!)] }));
      assert.equal(m.cheapTokenScoring, false, 'the decoder goes back to the top-k lookup');
      assert.equal(m.warnings.length, 1);
      assert.match(m.warnings[0]!, /did not answer logprob_token_ids.*scored by echo for the rest of the run/);
      const n = old.bodies().length;
      const second = await m.score({ items: [{ prompt: other, continuation: [9] }] });
      assert.deepEqual(second, [{ logprobs: [exact(other, 9)] }]);
      const later = old.bodies().slice(n);
      assert.equal(later.length, 1);
      assert.equal(later[0]!.echo, true);
      assert.equal(later[0]!.logprob_token_ids, undefined, 'not tried again');
      assert.equal(m.warnings.length, 1, 'warned once');
    } finally {
      await old.close();
    }
  });

  test('more ids than vLLM takes in one request (128): split into requests of at most 128, the same values', async () => {
    const r = await recorded();
    try {
      const ids = Array.from({ length: 300 }, (_, i) => (i * 7) % V);
      const items = ids.map((id) => ({ prompt, continuation: [id] }));
      const got = await model(r.proxy.url).score({ items });
      items.forEach((it, i) => assert.equal(got[i]!.logprobs[0], exact(prompt, it.continuation[0]!), `id ${ids[i]}`));
      const sizes = r.bodies().map((b) => (b.logprob_token_ids as number[]).length);
      assert.deepEqual(sizes.sort((a, b) => b - a), [128, 128, 44]);
    } finally {
      await r.close();
    }
  });

  test('other prompts, longer continuations and a next top-k keep the one echo request (splitting would add requests)', async () => {
    const r = await recorded();
    try {
      const m = model(r.proxy.url);
      const batches: Array<{ items: ScoreItem[]; nextTopK?: number }> = [
        { items: [{ prompt, continuation: [5] }, { prompt: other, continuation: [9] }] },
        { items: [{ prompt, continuation: [5] }, { prompt, continuation: [5, 17] }, { prompt, continuation: [] }] },
        { items: [{ prompt, continuation: [5] }], nextTopK: 3 },
      ];
      for (const req of batches) {
        const n = r.bodies().length;
        const got = await m.score(req);
        req.items.forEach((it, i) => {
          const ctx = [...it.prompt];
          assert.deepEqual(got[i]!.logprobs, it.continuation.map((id) => (ctx.push(id), exact(ctx.slice(0, -1), id))));
        });
        if (req.nextTopK) assert.equal(got[0]!.next?.length, 3);
        const sent = r.bodies().slice(n);
        assert.equal(sent.length, 1, JSON.stringify(req));
        assert.equal(sent[0]!.echo, true);
        assert.equal(sent[0]!.logprob_token_ids, undefined);
      }
      assert.equal(m.cheapTokenScoring, true, 'still on');
    } finally {
      await r.close();
    }
  });
});

describe('hostile or refusing answers to logprob_token_ids (stub vLLM)', { timeout: 30_000 }, () => {
  const answer = (top: Record<string, unknown>) => ({
    id: 'cmpl-1',
    object: 'text_completion',
    choices: [{ index: 0, text: 'x', finish_reason: 'length', stop_reason: null, logprobs: { tokens: ['token_id:1'], token_logprobs: [-0.5], top_logprobs: [top], text_offset: [0] } }],
  });

  for (const [what, value] of [
    ['a positive log-probability', 5],
    ['a string', 'abc'],
    ['an object', { logprob: -1 }],
  ] as const) {
    test(`listed ids with ${what}: a protocol error naming the field`, async () => {
      const stub = await stubServer((r) => (r.path.endsWith('/completions') ? { body: answer({ 'token_id:1': -0.5, 'token_id:7': value }) } : { status: 404, body: {} }));
      try {
        const err = await model(stub.url).score({ items: [{ prompt: [1, 2], continuation: [7] }] }).then(
          () => undefined,
          (e) => e,
        );
        assert.ok(err instanceof TqError, String(err));
        assert.equal(err.kind, 'protocol');
        assert.match(err.message, /logprob_token_ids/);
        assert.match(err.message, /token_id:7/);
        assert.equal(err.setting, 'tqstar.base.dialect');
      } finally {
        await stub.close();
      }
    });
  }

  test('a server that refuses the field with a 400 (a lower limit): echo, with a warning that quotes it', async () => {
    const stub = await stubServer((r) => {
      const b = r.body as Record<string, unknown>;
      if (b.logprob_token_ids) return { status: 400, body: { error: { message: 'Requested logprob_token_ids of length 2, which is greater than max allowed: 1', type: 'BadRequestError', param: 'logprob_token_ids', code: 400 } } };
      // Echo of [1, 2, id]: the continuation's log-probability at position 2.
      const prompts = b.prompt as number[][];
      return {
        body: {
          id: 'cmpl-2',
          object: 'text_completion',
          choices: prompts.map((p, i) => ({
            index: i,
            text: '',
            finish_reason: 'length',
            stop_reason: null,
            logprobs: { tokens: p.map((t) => `token_id:${t}`), token_logprobs: [null, -1, -2 - i], top_logprobs: [null, { 'token_id:2': -1 }, { [`token_id:${p[2]}`]: -2 - i }], text_offset: [0, 10, 20] },
          })),
        },
      };
    });
    try {
      const m = model(stub.url);
      const got = await m.score({ items: [7, 8].map((id) => ({ prompt: [1, 2], continuation: [id] })) });
      assert.deepEqual(got, [{ logprobs: [-2] }, { logprobs: [-3] }]);
      assert.equal(m.warnings.length, 1);
      assert.match(m.warnings[0]!, /HTTP 400: .*greater than max allowed: 1/);
      assert.equal(m.cheapTokenScoring, false);
    } finally {
      await stub.close();
    }
  });
});
