// The SGLang, llama.cpp, Ollama and hosted-OpenAI dialects answer in those servers' shapes, with their limits.
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

  test('several prompts with n answer ONE object, choices prompt-major (80fb11ac); realistic off: the older bare array', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: ['The food was', 'Thank you for'], n: 2, max_tokens: 3, temperature: 0 });
    assert.ok(!Array.isArray(r.body));
    assert.deepEqual(r.body.choices.map((c: any) => c.index), [0, 1, 2, 3]);
    assert.equal(r.body.choices[0].text, r.body.choices[1].text);
    const old = await serve({ dialect: 'llamacpp', realistic: false });
    try {
      const a = await completions(old, { model: 'demo-base', prompt: ['The food was', 'Thank you for'], max_tokens: 3, temperature: 0 });
      assert.ok(Array.isArray(a.body));
      assert.equal(a.body.length, 2);
      for (const o of a.body) assert.equal(o.choices.length, 1);
    } finally {
      await old.close();
    }
  });

  test('echo is ignored (80fb11ac) or refused with a 500 server_error (older builds); prompt_logprobs is silently ignored; n beyond the slots is a 400', async () => {
    const ignored = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, echo: true, logprobs: 1 });
    assert.equal(ignored.status, 200);
    assert.equal(ignored.body.choices[0].logprobs.content.length, 1, 'the generated token only, no prompt logprobs');
    assert.ok(!ignored.body.choices[0].text.startsWith('The food was'));
    const older = await serve({ dialect: 'llamacpp', llamacppEcho: 'refuse-500' });
    try {
      const echo = await completions(older, { model: 'demo-base', prompt: 'x', max_tokens: 1, echo: true });
      assert.equal(echo.status, 500);
      assert.equal(echo.body.error.type, 'server_error');
      assert.equal(echo.body.error.message, 'Only no echo is supported');
    } finally {
      await older.close();
    }
    const pl = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, prompt_logprobs: 1 });
    assert.equal(pl.status, 200);
    assert.equal(pl.body.choices[0].prompt_logprobs, undefined);
    const many = await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, n: 5 });
    assert.equal(many.status, 400);
    assert.match(many.body.error.message, /Value must be between 1 <= value <= 4, but got 5/);
  });

  test('GET /props: slots, EOS piece and the truncating sampler defaults; /tokenize reads the EOS piece as the EOS id', async () => {
    const props = await get(server, '/props');
    assert.equal(props.body.total_slots, 4);
    assert.equal(props.body.eos_token, '</s>');
    assert.deepEqual([props.body.default_generation_settings.params.top_k, props.body.default_generation_settings.params.top_p, props.body.default_generation_settings.params.min_p], [40, 0.95, 0.05]);
    const t = await post(server, '/tokenize', { content: '</s>', add_special: false });
    assert.deepEqual(t.body.tokens, [demo.base.eosId]);
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

/** The k most likely ids after a word prefix of the tabular base, with their log-probabilities. */
function topOfBase(seq: number[], k: number) {
  const d = suite.dists.base(seq);
  return [...d.keys()]
    .sort((x, y) => d[y]! - d[x]!)
    .slice(0, k)
    .map((id) => ({ id, logprob: Math.log(d[id]!) }));
}

describe('sglang dialect', () => {
  let server: RunningServer;
  before(async () => (server = await serve({ dialect: 'sglang' })));
  after(() => server.close());

  test('logprobs carry token texts (return_tokens_as_token_ids is ignored), the top-k only, text_offset -1', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS, 1], max_tokens: 1, logprobs: 2, temperature: 0, return_tokens_as_token_ids: true });
    assert.equal(r.status, 200);
    const lp = r.body.choices[0].logprobs;
    const want = topOfBase([1], 2);
    assert.deepEqual(lp.tokens, [suite.world.vocab[want[0]!.id]], 'greedy token, as text');
    assert.deepEqual(lp.text_offset, [-1]);
    assert.deepEqual(Object.keys(lp.top_logprobs[0]).sort(), want.map((t) => suite.world.vocab[t.id]).sort());
    for (const t of want) assert.ok(Math.abs(lp.top_logprobs[0][suite.world.vocab[t.id]!] - t.logprob) < 1e-12);
    assert.equal(r.body.choices[0].stop_reason, undefined, 'no vLLM stop_reason');
  });

  test('max_tokens must be positive, even with echo; echo with logprobs ≥ 1 scores the prompt', async () => {
    const zero = await completions(server, { model: 'tabular-base', prompt: [BOS, 1, 2], max_tokens: 0, echo: true, logprobs: 1 });
    assert.equal(zero.status, 400);
    assert.equal(zero.body.object, 'error');
    assert.equal(zero.body.code, 400);
    assert.match(zero.body.message, /max_tokens must be positive/);
    const one = await completions(server, { model: 'tabular-base', prompt: [BOS, 1, 2], max_tokens: 1, echo: true, logprobs: 1, temperature: 0 });
    const lp = one.body.choices[0].logprobs;
    assert.equal(lp.tokens.length, 4, 'three prompt tokens and one generated');
    assert.equal(lp.token_logprobs[0], null);
    assert.ok(Math.abs(lp.token_logprobs[2] - Math.log(suite.dists.base([1])[2]!)) < 1e-12, 'log p(c | a)');
    assert.ok(one.body.choices[0].text.startsWith(' b c'), 'echo text is the decoded prompt');
    // `echo and logprobs` is falsy for logprobs 0: only the generated token.
    const none = await completions(server, { model: 'tabular-base', prompt: [BOS, 1, 2], max_tokens: 1, echo: true, logprobs: 0 });
    assert.equal(none.body.choices[0].logprobs.tokens.length, 1);
  });

  test('matched_stop names the stop string or the EOS id; prompt_logprobs is ignored', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS], max_tokens: 10, n: 16, temperature: 1, seed: 4, stop: [' a'], prompt_logprobs: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.body.choices.length, 16);
    const kinds = new Set<unknown>();
    for (const c of r.body.choices) {
      assert.equal(c.finish_reason, 'stop', 'tabular sequences end within 5 tokens');
      assert.ok(c.matched_stop === ' a' || c.matched_stop === suite.world.eosId, JSON.stringify(c.matched_stop));
      assert.ok(!c.text.includes(' a'), 'the text is cut before the stop string');
      assert.equal(c.prompt_logprobs, undefined);
      kinds.add(c.matched_stop);
    }
    // With this seed both endings occur (checked once; a different sampler would change only which).
    assert.equal(kinds.size, 2);
  });

  test('token-id prompts, several prompts and n: index = prompt_idx·n + sample_idx', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [[BOS, 0], [BOS, 3]], max_tokens: 1, n: 2, temperature: 0, logprobs: 1 });
    assert.deepEqual(r.body.choices.map((c: any) => c.index), [0, 1, 2, 3]);
    const greedy = (w: number) => suite.world.vocab[topOfBase([w], 1)[0]!.id];
    assert.deepEqual(r.body.choices.map((c: any) => c.logprobs.tokens[0]), [greedy(0), greedy(0), greedy(3), greedy(3)]);
  });

  test('/v1/tokenize {prompt} → {tokens, count, max_model_len}; /v1/detokenize {tokens} → {text}; nothing at the root', async () => {
    const text = 'The food was';
    const one = await post(server, '/v1/tokenize', { model: 'demo-base', prompt: text, add_special_tokens: false });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.tokens, demo.tokenizer.encode(text));
    assert.equal(one.body.count, one.body.tokens.length);
    assert.equal(typeof one.body.max_model_len, 'number');
    const many = await post(server, '/v1/tokenize', { model: 'demo-base', prompt: [text, 'Thank you'] });
    assert.equal(many.body.tokens.length, 2);
    assert.deepEqual(many.body.count, many.body.tokens.map((t: number[]) => t.length));
    assert.deepEqual((await post(server, '/v1/detokenize', { model: 'demo-base', tokens: one.body.tokens })).body, { text });
    assert.deepEqual((await post(server, '/v1/detokenize', { model: 'demo-base', tokens: [one.body.tokens, one.body.tokens] })).body, { text: [text, text] });
    const root = await post(server, '/tokenize', { model: 'demo-base', prompt: text });
    assert.equal(root.status, 404);
    assert.deepEqual(root.body, { detail: 'Not Found' });
  });

  test('an empty prompt is refused', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: '  ', max_tokens: 1 });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /empty/);
  });
});

describe('openai dialect (hosted legacy completions)', () => {
  let server: RunningServer;
  before(async () => (server = await serve({ dialect: 'openai' })));
  after(() => server.close());

  test('logprobs ≤ 5 keyed by token text, k or k+1 entries; 6 is a 400 naming logprobs', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS, 1], max_tokens: 2, logprobs: 5, temperature: 0 });
    assert.equal(r.status, 200);
    const lp = r.body.choices[0].logprobs;
    for (const t of lp.tokens) assert.ok(suite.world.vocab.includes(t) && !t.startsWith('token_id:'));
    for (const d of lp.top_logprobs) assert.ok(Object.keys(d).length >= 5 && Object.keys(d).length <= 6);
    assert.ok(Array.isArray(lp.text_offset));
    assert.equal(r.body.choices[0].stop_reason, undefined);
    const six = await completions(server, { model: 'tabular-base', prompt: [BOS, 1], max_tokens: 1, logprobs: 6 });
    assert.equal(six.status, 400);
    assert.equal(six.body.error.type, 'invalid_request_error');
    assert.equal(six.body.error.param, 'logprobs');
  });

  test('no echo scoring, vLLM-only fields refused, no tokenizer', async () => {
    const echo = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, echo: true, logprobs: 1 });
    assert.equal(echo.status, 400);
    assert.match(echo.body.error.message, /echo/);
    const plainEcho = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, echo: true });
    assert.equal(plainEcho.status, 200);
    assert.ok(plainEcho.body.choices[0].text.startsWith('The food was'));
    for (const field of ['return_tokens_as_token_ids', 'prompt_logprobs']) {
      const r = await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, [field]: field === 'prompt_logprobs' ? 1 : true });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, new RegExp(`Unrecognized request argument supplied: ${field}`));
    }
    for (const path of ['/tokenize', '/detokenize', '/v1/tokenize', '/v1/detokenize']) assert.equal((await post(server, path, { model: 'demo-base', prompt: 'x', tokens: [1] })).status, 404, path);
  });

  test('token-id prompts, several prompts and n', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt: [[BOS, 0], [BOS, 3]], max_tokens: 1, n: 3, temperature: 1, seed: 2 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.choices.map((c: any) => c.index), [0, 1, 2, 3, 4, 5]);
  });
});
