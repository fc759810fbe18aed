// The vLLM dialect's endpoints and options, over real HTTP: prompts, n, stop, EOS, length, usage, tokenize, pooling, errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OWNED_BY, type RunningServer } from '../../src/server/index';
import { buildWordDemo, demoSentiment } from '../../src/models/wordDemo';
import { completions, get, post, serve } from './http';

const demo = buildWordDemo();
let server: RunningServer;
before(async () => (server = await serve()));
after(() => server.close());

describe('GET /v1/models', () => {
  test('lists every served model and reward, each labelled as a demo/test backend', async () => {
    const r = await get(server, '/v1/models');
    assert.equal(r.status, 200);
    const ids = r.body.data.map((m: any) => m.id);
    for (const name of ['tabular-base', 'tabular-rho-r', 'tabular-rho-rbl', 'demo-base', 'demo-aligned', 'demo-sentiment', 'tabular-reward', 'tabular-reward-bl'])
      assert.ok(ids.includes(name), name);
    for (const m of r.body.data) assert.equal(m.owned_by, OWNED_BY);
    assert.match(OWNED_BY, /demo\/test backend/);
  });
});

describe('POST /v1/completions prompts', () => {
  test('a string prompt is tokenised like /tokenize', async () => {
    const tok = await post(server, '/tokenize', { model: 'demo-base', prompt: 'The food was' });
    const r = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 3, temperature: 0 });
    assert.equal(r.status, 200);
    assert.equal(r.body.usage.prompt_tokens, tok.body.tokens.length);
    assert.deepEqual(tok.body.tokens, demo.tokenizer.encode('The food was'));
  });

  test('string, string[], int[] and int[][] prompts give the same greedy text for the same prompt', async () => {
    const ids = demo.tokenizer.encode('The customer service was');
    const forms = ['The customer service was', ['The customer service was'], ids, [ids]];
    const texts = [];
    for (const prompt of forms) {
      const r = await completions(server, { model: 'demo-base', prompt, max_tokens: 6, temperature: 0 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.choices.length, 1);
      texts.push(r.body.choices[0].text);
    }
    assert.equal(new Set(texts).size, 1);
  });

  test('several prompts with n: choice index = prompt_idx·n + sample_idx', async () => {
    // Greedy, so each prompt's n samples are identical and tell which prompt a choice belongs to.
    // vLLM itself refuses that (SamplingParams._verify_greedy_sampling): the index check runs with realism off.
    const prompts = ['The food was', 'Thank you for', 'The code is'];
    const refused = await completions(server, { model: 'demo-base', prompt: prompts, n: 2, max_tokens: 5, temperature: 0 });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.message, 'n must be 1 when using greedy sampling, got 2.');
    const lax = await serve({ realistic: false });
    try {
      const single = [];
      for (const p of prompts) single.push((await completions(lax, { model: 'demo-base', prompt: p, max_tokens: 5, temperature: 0 })).body.choices[0].text);
      const r = await completions(lax, { model: 'demo-base', prompt: prompts, n: 2, max_tokens: 5, temperature: 0 });
      assert.equal(r.body.choices.length, 6);
      r.body.choices.forEach((c: any, i: number) => assert.equal(c.index, i));
      for (let p = 0; p < 3; p++) for (let s = 0; s < 2; s++) assert.equal(r.body.choices[p * 2 + s].text, single[p]);
    } finally {
      await lax.close();
    }
  });

  test('empty prompt lists, mixed lists and out-of-vocabulary ids are 400s in vLLM\'s error shape', async () => {
    for (const prompt of [[], [[]], [1, 'a'], [demo.tokenizer.vocab.length], 42]) {
      const r = await completions(server, { model: 'demo-base', prompt, max_tokens: 1 });
      assert.equal(r.status, 400, JSON.stringify(prompt));
      assert.equal(r.body.error.code, 400);
      assert.equal(typeof r.body.error.message, 'string');
      assert.equal(r.body.error.type, 'BadRequestError');
    }
  });
});

describe('POST /v1/completions options', () => {
  test('max_tokens → finish_reason "length" with exactly that many tokens; usage adds up', async () => {
    const r = await completions(server, { model: 'demo-base', prompt: ['The food was', 'I think you'], n: 3, max_tokens: 4, temperature: 1, seed: 5, ignore_eos: true, logprobs: 0 });
    assert.equal(r.status, 200);
    let completion = 0;
    for (const c of r.body.choices) {
      assert.equal(c.finish_reason, 'length');
      assert.equal(c.logprobs.tokens.length, 4);
      completion += c.logprobs.tokens.length;
    }
    const promptTokens = demo.tokenizer.encode('The food was').length + demo.tokenizer.encode('I think you').length;
    assert.deepEqual([r.body.usage.prompt_tokens, r.body.usage.completion_tokens, r.body.usage.total_tokens], [promptTokens, completion, promptTokens + completion]);
  });

  test('max_tokens absent is 16; null leaves the rest of the context (vLLM)', async () => {
    const absent = await completions(server, { model: 'demo-base', prompt: 'The food was', ignore_eos: true, temperature: 0 });
    assert.equal(absent.body.usage.completion_tokens, 16);
    const room = await completions(server, { model: 'tabular-base', prompt: [6, 0], max_tokens: null, n: 5, seed: 1 });
    assert.equal(room.status, 200);
    for (const c of room.body.choices) assert.equal(c.finish_reason, 'stop');
  });

  test('EOS ends a sample with finish_reason "stop", stop_reason null, EOS in logprobs but not in the text', async () => {
    // The tabular base must end by its maximum length L = 5, so 10 tokens always reach EOS.
    const r = await completions(server, { model: 'tabular-base', prompt: [6], max_tokens: 10, n: 20, seed: 1, logprobs: 1 });
    for (const c of r.body.choices) {
      assert.equal(c.finish_reason, 'stop');
      assert.equal(c.stop_reason, null);
      assert.equal(c.logprobs.tokens.at(-1), '</s>');
      assert.ok(!c.text.includes('</s>'));
      assert.equal(c.text, c.logprobs.tokens.slice(0, -1).join(''));
    }
  });

  test('stop strings cut the text before the match, finish_reason "stop", stop_reason the string', async () => {
    const free = await completions(server, { model: 'demo-base', prompt: 'The customer service was', max_tokens: 12, temperature: 0 });
    const text: string = free.body.choices[0].text;
    const word = text.trim().split(' ')[1]!; // the second generated word
    const r = await completions(server, { model: 'demo-base', prompt: 'The customer service was', max_tokens: 12, temperature: 0, stop: ['zzz', ' ' + word] });
    const c = r.body.choices[0];
    assert.equal(c.finish_reason, 'stop');
    assert.equal(c.stop_reason, ' ' + word);
    assert.equal(c.text, text.slice(0, text.indexOf(' ' + word)));
  });

  test('max_tokens 0 is a 400 without echo (as vLLM), and scores the prompt with echo', async () => {
    const bad = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'max_tokens');
    const ok = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 0, echo: true });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.choices[0].text, 'The food was');
    assert.equal(ok.body.usage.completion_tokens, 0);
  });

  test('echo prepends the prompt text to the completion', async () => {
    const plain = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 4, seed: 3 });
    const echoed = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 4, seed: 3, echo: true });
    assert.equal(echoed.body.choices[0].text, 'The food was' + plain.body.choices[0].text);
  });

  test('logprobs above 20 and prompt_logprobs above 20 are 400s', async () => {
    for (const key of ['logprobs', 'prompt_logprobs']) {
      const r = await completions(server, { model: 'demo-base', prompt: 'The food was', max_tokens: 1, [key]: 21 });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /max allowed: 20/);
    }
  });

  test('an unknown model is a 404 naming it; stream is refused', async () => {
    const r = await completions(server, { model: 'gpt-nope', prompt: 'x', max_tokens: 1 });
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /gpt-nope/);
    const s = await completions(server, { model: 'demo-base', prompt: 'x', max_tokens: 1, stream: true });
    assert.equal(s.status, 400);
  });

  test('a body that is not JSON is a 400; an unknown path is a 404; GET on a POST route is a 405', async () => {
    assert.equal((await post(server, '/v1/completions', '{"model": ')).status, 400);
    assert.equal((await post(server, '/v1/chat/nothing', {})).status, 404);
    assert.equal((await fetch(server.url + '/v1/completions')).status, 405);
  });
});

describe('seeds and greedy decoding', () => {
  test('temperature 0 is deterministic and follows the argmax of the model', async () => {
    const a = await completions(server, { model: 'demo-aligned', prompt: 'The staff were', max_tokens: 8, temperature: 0, logprobs: 1 });
    const b = await completions(server, { model: 'demo-aligned', prompt: 'The staff were', max_tokens: 8, temperature: 0 });
    assert.equal(a.body.choices[0].text, b.body.choices[0].text);
    // Each chosen token is the top-1 entry of its position.
    const lp = a.body.choices[0].logprobs;
    lp.tokens.forEach((t: string, i: number) => {
      const best = Object.entries(lp.top_logprobs[i] as Record<string, number>).sort((x, y) => y[1] - x[1])[0]![0];
      assert.equal(t, best);
    });
  });

  test('the same seed gives the same samples; samples differ across sample indices and seeds', async () => {
    const body = { model: 'demo-base', prompt: ['The customer service was', 'The food was'], n: 4, max_tokens: 10, temperature: 1, seed: 42 };
    const a = (await completions(server, body)).body.choices.map((c: any) => c.text);
    const b = (await completions(server, body)).body.choices.map((c: any) => c.text);
    const c = (await completions(server, { ...body, seed: 43 })).body.choices.map((c: any) => c.text);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(new Set(a.slice(0, 4)).size > 1, 'the four samples of one prompt should not all coincide');
  });

  test('a sample depends on (seed, prompt index, sample index) only: the same prompt alone reproduces it', async () => {
    const both = await completions(server, { model: 'demo-base', prompt: ['The food was', 'The food was'], n: 2, max_tokens: 10, seed: 9 });
    const alone = await completions(server, { model: 'demo-base', prompt: ['The food was'], n: 2, max_tokens: 10, seed: 9 });
    assert.deepEqual(both.body.choices.slice(0, 2).map((c: any) => c.text), alone.body.choices.map((c: any) => c.text));
  });
});

describe('tokenize, detokenize, pooling, classify', () => {
  test('/tokenize and /detokenize round-trip text, at the root (not under /v1)', async () => {
    const text = 'Thank you, the café was lovely!\n';
    const t = await post(server, '/tokenize', { model: 'demo-base', prompt: text, return_token_strs: true });
    assert.equal(t.status, 200);
    assert.equal(t.body.count, t.body.tokens.length);
    assert.equal(t.body.max_model_len, 2048);
    assert.equal(t.body.token_strs.length, t.body.count);
    const d = await post(server, '/detokenize', { model: 'demo-base', tokens: t.body.tokens });
    assert.equal(d.body.prompt, text);
    assert.equal((await post(server, '/v1/tokenize', { model: 'demo-base', prompt: text })).status, 404);
  });

  test('/pooling: per-token rows without a task, the raw reward with task classify + use_activation false; /classify its sigmoid unless use_activation is false', async () => {
    const inputs = ['Thank you, the staff were wonderful.', 'The service was awful and rude.'];
    const rows = await post(server, '/pooling', { model: 'demo-sentiment', input: inputs });
    assert.equal(rows.status, 200);
    for (const d of rows.body.data) assert.ok(d.data.length > 1 && d.data.every((r: unknown) => Array.isArray(r)), 'token_classify: one row per token');
    const p = await post(server, '/pooling', { model: 'demo-sentiment', input: inputs, task: 'classify', use_activation: false });
    assert.equal(p.status, 200);
    assert.deepEqual(p.body.data.map((d: any) => d.index), [0, 1]);
    assert.deepEqual(p.body.data.map((d: any) => d.data[0]), inputs.map(demoSentiment));
    const sig = await post(server, '/pooling', { model: 'demo-sentiment', input: inputs, task: 'classify' });
    assert.deepEqual(sig.body.data.map((d: any) => d.data[0]), inputs.map((s) => 1 / (1 + Math.exp(-demoSentiment(s)))));
    const c = await post(server, '/classify', { model: 'demo-sentiment', input: inputs });
    assert.deepEqual(c.body.data.map((d: any) => d.probs[0]), inputs.map((s) => 1 / (1 + Math.exp(-demoSentiment(s)))));
    const raw = await post(server, '/classify', { model: 'demo-sentiment', input: inputs[0], use_activation: false });
    assert.deepEqual(raw.body.data[0].probs, [demoSentiment(inputs[0]!)]);
    assert.equal((await post(server, '/pooling', { model: 'nope', input: 'x' })).status, 404);
    assert.equal((await post(server, '/pooling', { model: 'demo-sentiment', input: [] })).status, 400);
  });

  test('/score (vLLM ScoreTextRequest, demo reward of text_1 + text_2): 1:1, 1:N, N:N; the sigmoid unless use_activation is false; other length pairings refused', async () => {
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const docs = [' wonderful, thank you.', ' awful and rude.'];
    const oneToN = await post(server, '/score', { model: 'demo-sentiment', text_1: 'The staff were', text_2: docs, use_activation: false });
    assert.equal(oneToN.status, 200);
    assert.equal(oneToN.body.object, 'list');
    assert.deepEqual(oneToN.body.data.map((d: any) => [d.index, d.object]), [[0, 'score'], [1, 'score']]);
    assert.deepEqual(oneToN.body.data.map((d: any) => d.score), docs.map((d) => demoSentiment('The staff were' + d)));
    const nToN = await post(server, '/score', { model: 'demo-sentiment', text_1: ['The staff were', 'The food was'], text_2: docs });
    assert.deepEqual(nToN.body.data.map((d: any) => d.score), [sig(demoSentiment('The staff were' + docs[0])), sig(demoSentiment('The food was' + docs[1]))]);
    const oneToOne = await post(server, '/v1/score', { model: 'demo-sentiment', text_1: 'The staff were', text_2: docs[0], use_activation: false });
    assert.deepEqual(oneToOne.body.data.map((d: any) => d.score), [demoSentiment('The staff were' + docs[0])], '/v1/score: the deprecated alias');
    const mismatch = await post(server, '/score', { model: 'demo-sentiment', text_1: ['a', 'b'], text_2: ['c', 'd', 'e'] });
    assert.equal(mismatch.status, 400);
    assert.match(JSON.stringify(mismatch.body), /1:1, 1:N or N:N/);
    assert.equal((await post(server, '/score', { model: 'demo-sentiment', text_1: 'a', text_2: [] })).status, 400);
    assert.equal((await post(server, '/score', { model: 'demo-sentiment', text_1: 'a', text_2: [1] })).status, 400);
    assert.equal((await post(server, '/score', { model: 'nope', text_1: 'a', text_2: 'b' })).status, 404);
  });

  test('stats() counts requests by path', async () => {
    const before = server.stats();
    await get(server, '/v1/models');
    await post(server, '/tokenize', { model: 'demo-base', prompt: 'x' });
    await post(server, '/tokenize', { model: 'demo-base', prompt: 'y' });
    const s = server.stats();
    assert.equal(s.requests, before.requests + 3);
    assert.equal(s.byPath['/tokenize'], (before.byPath['/tokenize'] ?? 0) + 2);
    assert.equal(s.byPath['/v1/models'], (before.byPath['/v1/models'] ?? 0) + 1);
  });
});

describe('special tokens', () => {
  test('/tokenize adds the tabular BOS unless add_special_tokens is false', async () => {
    const withBos = await post(server, '/tokenize', { model: 'tabular-base', prompt: ' a c' });
    const without = await post(server, '/tokenize', { model: 'tabular-base', prompt: ' a c', add_special_tokens: false });
    assert.deepEqual(withBos.body.tokens, [6, 0, 2]);
    assert.deepEqual(without.body.tokens, [0, 2]);
  });
});
