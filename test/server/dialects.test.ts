// The llama.cpp and Ollama dialects answer in those servers' shapes, with their limits.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildWordDemo } from '../../src/models/wordDemo';
import { tabularSuite } from '../../src/models/inProcess';
import type { RunningServer } from '../../src/server/index';
import { completions, get, post, serve } from './http';

const demo = buildWordDemo();
const suite = tabularSuite();
const BOS = suite.world.bosId;

describe('llamacpp dialect', () => {
  let server: RunningServer;
  before(async () => (server = await serve({ dialect: 'llamacpp' })));
  after(() => server.close());

  test('logprobs come as content: [{id, token, bytes, logprob, top_logprobs: [{id, token, bytes, logprob}]}]', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS, 1], max_tokens: 3, logprobs: 2, seed: 1, temperature: 0 });
    assert.equal(r.status, 200);
    assert.ok(!Array.isArray(r.body), 'one prompt: one object');
    const content = r.body.choices[0].logprobs.content;
    assert.ok(content.length >= 1);
    const seq = [1];
    for (const e of content) {
      assert.deepEqual(Object.keys(e).sort(), ['bytes', 'id', 'logprob', 'token', 'top_logprobs']);
      assert.equal(e.token, suite.world.vocab[e.id]);
      assert.ok(Math.abs(e.logprob - Math.log(suite.dists.base(seq)[e.id]!)) < 1e-12);
      assert.equal(e.top_logprobs.length, 2);
      for (const t of e.top_logprobs) assert.deepEqual(Object.keys(t).sort(), ['bytes', 'id', 'logprob', 'token']);
      if (e.id < suite.world.words) {
        assert.deepEqual(e.bytes, [...Buffer.from(e.token)]);
        seq.push(e.id);
      }
    }
    assert.equal(r.body.object, 'text_completion');
    assert.ok(r.body.usage.prompt_tokens === 2);
  });

  test('several prompts answer a bare JSON array, one completion object per prompt', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: ['The food was', 'Thank you for'], max_tokens: 3, temperature: 0 });
    assert.ok(Array.isArray(r.body));
    assert.equal(r.body.length, 2);
    for (const o of r.body) assert.equal(o.choices.length, 1);
  });

  test('echo is refused; prompt_logprobs is silently ignored; n beyond the slots is refused', async () => {
    const echo = await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, echo: true });
    assert.equal(echo.status, 400);
    assert.equal(echo.body.error.type, 'invalid_request_error');
    assert.equal(echo.body.error.code, 400);
    const pl = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, prompt_logprobs: 1 });
    assert.equal(pl.status, 200);
    assert.equal(pl.body.choices[0].prompt_logprobs, undefined);
    assert.equal((await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, n: 5 })).status, 400);
  });

  test('/tokenize {content, with_pieces} and /detokenize {tokens} → {content}', async () => {
    const text = 'The café';
    const plain = await post(server, '/tokenize', { content: text });
    assert.deepEqual(plain.body.tokens, demo.tokenizer.encode(text));
    const pieces = await post(server, '/tokenize', { content: text, with_pieces: true });
    for (const p of pieces.body.tokens) assert.ok(typeof p.piece === 'string' || Array.isArray(p.piece));
    // "é" is two byte-fallback tokens; each alone is not valid UTF-8, so llama-server sends its bytes.
    assert.deepEqual(pieces.body.tokens.filter((p: any) => Array.isArray(p.piece)).map((p: any) => p.piece), [[0xc3], [0xa9]]);
    const d = await post(server, '/detokenize', { tokens: plain.body.tokens });
    assert.deepEqual(d.body, { content: text });
    // A vLLM-style body has no "content": llama-server answers an empty token list, not an error.
    assert.deepEqual((await post(server, '/tokenize', { model: 'demo-base', prompt: text })).body, { tokens: [] });
  });
});

describe('ollama dialect', () => {
  let server: RunningServer;
  before(async () => (server = await serve({ dialect: 'ollama' })));
  after(() => server.close());

  test('string prompts only: token ids and several prompts are 400s', async () => {
    for (const prompt of [[1, 2], [[1, 2]], ['a', 'b']]) {
      const r = await completions(server, { model: 'demo-base', prompt, max_tokens: 1 });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /prompt/);
      assert.equal(r.body.error.type, 'invalid_request_error');
    }
  });

  test('n is ignored: one choice', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 3, n: 4 });
    assert.equal(r.status, 200);
    assert.equal(r.body.choices.length, 1);
    assert.equal(r.body.system_fingerprint, 'fp_ollama');
  });

  test('logprobs ≤ 20 in the chat-style shape without ids; above 20 is a 400', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 3, logprobs: 2 });
    const content = r.body.choices[0].logprobs.content;
    for (const e of content) {
      assert.deepEqual(Object.keys(e).sort(), ['bytes', 'logprob', 'token', 'top_logprobs']);
      assert.equal(e.top_logprobs.length, 2);
    }
    assert.equal((await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, logprobs: 21 })).status, 400);
  });

  test('no /tokenize or /detokenize; /v1/models still lists the labelled models', async () => {
    assert.equal((await post(server, '/tokenize', { model: 'demo-base', prompt: 'x' })).status, 404);
    assert.equal((await post(server, '/detokenize', { model: 'demo-base', tokens: [1] })).status, 404);
    assert.ok((await get(server, '/v1/models')).body.data.length >= 5);
  });
});
