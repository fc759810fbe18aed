// What the real servers do that the client must handle (../shared/SERVERS-AUDIT.md), against the reference server's
// realistic mode and, for single answers the reference server has no model for, stubs of the documented shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, type RequestLogLine } from '../../src/backends/index';
import { detectCapabilities } from '../../src/backends/probe';
import { ModelEndpoint } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { buildWordDemo } from '../../src/models/wordDemo';
import { startServer, type ServableModel } from '../../src/server/index';
import { stubServer } from './stubServer';

type D = 'vllm' | 'sglang' | 'llamacpp' | 'ollama' | 'openai';

function model(url: string, name: string, dialect: D, lines: RequestLogLine[] = [], eosTokenId?: number) {
  const ep = new Endpoint({ role: 'base', baseUrls: [`${url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.base', log: (l) => lines.push(l) });
  return { ep, m: new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${url}/v1`, model: name, dialect, ...(eosTokenId !== undefined ? { eosTokenId } : {}) }), DIALECT_CAPABILITIES[dialect]) };
}

test('vLLM refuses n > 1 at temperature 0: the client asks for one greedy sample and repeats it', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'vllm' });
  try {
    const lines: RequestLogLine[] = [];
    const { m } = model(server.url, 'demo-base', 'vllm', lines);
    const ids = await m.encode('The food was');
    const before = server.stats().byPath['/v1/completions'] ?? 0;
    const [row] = await m.sample({ prompts: [ids], n: 4, temperature: 0, maxTokens: 5, seed: 1 });
    assert.equal(row!.length, 4);
    assert.ok(row!.every((c) => c.text === row![0]!.text && c.tokens.length === row![0]!.tokens.length));
    assert.equal((server.stats().byPath['/v1/completions'] ?? 0) - before, 1);
    // Without the client's fix the server says why, and the error names the setting.
    const ep = new Endpoint({ role: 'base', baseUrls: [`${server.url}/v1`], timeoutMs: 10_000, maxConcurrency: 2, settingPrefix: 'tqstar.base' });
    await assert.rejects(ep.request({ v1: '/completions' }, { model: 'demo-base', prompt: ids, n: 2, temperature: 0, max_tokens: 1 }), (e: unknown) => e instanceof TqError && /n must be 1 when using greedy sampling/.test(e.message));
  } finally {
    await server.close();
  }
});

test('SGLang\'s top-level {message} and FastAPI\'s {detail} error bodies reach the error message (not "(no body)")', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'sglang' });
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [`${server.url}/v1`], timeoutMs: 10_000, maxConcurrency: 2, settingPrefix: 'tqstar.base' });
    await assert.rejects(ep.request({ v1: '/completions' }, { model: 'demo-base', prompt: 'x', max_tokens: 0 }), (e: unknown) => e instanceof TqError && e.status === 400 && /max_tokens must be positive/.test(e.message));
    await assert.rejects(ep.request({ root: '/nowhere' }, {}), (e: unknown) => e instanceof TqError && e.status === 404 && /: Not Found/.test(e.message) && !/no body/.test(e.message));
  } finally {
    await server.close();
  }
});

test('older llama-server builds refuse echo with HTTP 500: the probe takes it as a refusal, without retries', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'llamacpp', llamacppEcho: 'refuse-500' });
  try {
    const lines: RequestLogLine[] = [];
    const { ep } = model(server.url, 'demo-base', 'llamacpp', lines);
    const { caps } = await detectCapabilities(ep, 'demo-base');
    assert.equal(caps.dialect, 'llamacpp');
    assert.equal(caps.scoring, 'none');
    const refusals = lines.filter((l) => l.status === 500);
    assert.equal(refusals.length, 2, 'the two echo probes, once each (4 attempts each before)');
  } finally {
    await server.close();
  }
});

test('llama.cpp: n up to the /props slots per request, every prompt in each; EOS from /props, no sampled probe', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'llamacpp', slots: 8 });
  try {
    const lines: RequestLogLine[] = [];
    const { m } = model(server.url, 'demo-base', 'llamacpp', lines);
    assert.equal(await m.learnEos(), buildWordDemo().base.eosId);
    assert.ok(!lines.some((l) => l.url.endsWith('/completions')), 'EOS without sampling "Hello"');
    const ids = await m.encode('The food was');
    const before = lines.length;
    const out = await m.sample({ prompts: [ids, [...ids, 5], [...ids, 6], [...ids, 7], [...ids, 8]], n: 32, temperature: 1, maxTokens: 3, seed: 4 });
    assert.deepEqual(out.map((r) => r.length), [32, 32, 32, 32, 32]);
    assert.equal(lines.slice(before).filter((l) => l.url.endsWith('/v1/completions')).length, 4, 'k = 5, N = 32 on 8 slots: 4 requests, not 32');
  } finally {
    await server.close();
  }
});

test('vLLM integer stop_reason (a second EOS id of the generation config) ends the sample as EOS, the token left out', { timeout: 10_000 }, async () => {
  const stub = await stubServer(({ path }) => (path !== '/v1/completions' ? { status: 404, body: { detail: 'Not Found' } } : {
    body: {
      choices: [
        { index: 0, text: ' ok', logprobs: { tokens: ['token_id:17', 'token_id:128008'], token_logprobs: [-0.1, -0.2], top_logprobs: [{ 'token_id:17': -0.1 }, { 'token_id:128008': -0.2 }], text_offset: [0, 3] }, finish_reason: 'stop', stop_reason: 128008 },
      ],
    },
  }));
  try {
    const { m } = model(stub.url, 'm', 'vllm', [], 128009);
    const [[c]] = await m.sample({ prompts: [[1, 2]], n: 1, temperature: 1, maxTokens: 8 });
    assert.equal(c!.finish, 'eos');
    assert.deepEqual(c!.tokens.map((t) => t.id), [17]);
  } finally {
    await stub.close();
  }
});

test('llama-server\'s 500 on a sampled lone UTF-8 byte is redrawn with another seed (not retried identically) and said in the warnings', { timeout: 10_000 }, async () => {
  const seeds: unknown[] = [];
  const stub = await stubServer(({ path, body }) => {
    if (path === '/props') return { body: { total_slots: 4, eos_token: '</s>', default_generation_settings: { params: {} } } };
    const b = body as { seed?: number; n: number };
    seeds.push(b.seed);
    if (seeds.length === 1) return { status: 500, body: { error: { code: 500, message: 'The model produced output that does not match the expected Content-only format', type: 'server_error' } } };
    return { body: { choices: Array.from({ length: b.n }, (_, i) => ({ index: i, text: 'a', logprobs: { content: [{ id: 9, token: 'a', bytes: [97], logprob: -1, top_logprobs: [] }] }, finish_reason: 'length' })) } };
  });
  try {
    const { m } = model(stub.url, 'm', 'llamacpp', [], 2);
    const [row] = await m.sample({ prompts: [[1, 5]], n: 2, temperature: 1, maxTokens: 1, seed: 7 });
    assert.equal(row!.length, 2);
    assert.equal(seeds.length, 2, 'one failed request, one redraw');
    assert.equal(seeds[0], 7);
    assert.notEqual(seeds[1], 7);
    assert.equal(m.resampledRequests, 1);
    assert.ok(m.warnings.some((w) => /redrawn with another seed/.test(w)));
  } finally {
    await stub.close();
  }
});

test('Ollama goes through /api/generate with raw: true and neutral options: the prompt is continued verbatim, not as a chat turn', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'ollama' });
  try {
    const { m } = model(server.url, 'demo-base', 'ollama');
    const ids = await m.encode('The food was');
    const [top] = await m.nextTokens([ids], 5);
    assert.equal(server.stats().byPath['/api/generate'], 1);
    assert.equal(server.stats().byPath['/v1/completions'] ?? 0, 0);
    // The same next-token distribution as a raw request to the server; the /v1 route answers for the templated prompt.
    const post = (path: string, body: unknown) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) }).then((r) => r.json() as Promise<any>);
    const raw = await post('/api/generate', { model: 'demo-base', prompt: 'The food was', raw: true, stream: false, logprobs: true, top_logprobs: 5, options: { temperature: 0, num_predict: 1 } });
    assert.deepEqual(top!.map((t) => t.text), raw.logprobs[0].top_logprobs.map((t: any) => t.token));
    const v1 = await post('/v1/completions', { model: 'demo-base', prompt: 'The food was', max_tokens: 1, temperature: 0, logprobs: 5 });
    assert.notDeepEqual(v1.choices[0].logprobs.content[0].top_logprobs.map((t: any) => t.token), raw.logprobs[0].top_logprobs.map((t: any) => t.token), '/v1/completions continues a chat turn');
    const [row] = await m.sample({ prompts: [ids], n: 3, temperature: 1, maxTokens: 4, seed: 2, topLogprobs: 2 });
    assert.equal(row!.length, 3);
    assert.equal(server.stats().byPath['/api/generate'], 2 + 3, 'one request per sample (Ollama has no n), after the two above');
  } finally {
    await server.close();
  }
});

/**
 * A 4-token model whose most likely next token is a lone UTF-8 byte (0xC3, the first half of "é"), as a
 * byte-fallback vocabulary has: llama-server fails any answer whose text is not valid UTF-8.
 */
function loneByteModel(): ServableModel {
  const vocab = ['</s>', 'a', 'b', '\u00c3'];
  const bytes = [[], [0x61], [0x62], [0xc3]];
  const lp = Float64Array.from([0.05, 0.2, 0.15, 0.6], Math.log);
  return {
    name: 'lone-byte',
    vocab,
    eosId: 0,
    maxModelLen: 64,
    encode: (text) => [...text].map((ch) => (ch === 'a' ? 1 : 2)),
    decode: (ids) => Buffer.from(ids.filter((i) => i !== 0).flatMap((i) => bytes[i]!)).toString('utf8'),
    tokenBytes: (id) => bytes[id]!,
    nextLogprobs: () => lp,
  };
}

test('llama.cpp realistic: a lone-byte answer is HTTP 500; the client reads top-k despite a lone-byte argmax and redraws failed rollouts', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'llamacpp', slots: 4, models: [loneByteModel()] });
  try {
    const greedy = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'lone-byte', prompt: [1], max_tokens: 1, temperature: 0, logprobs: 2 }), signal: AbortSignal.timeout(5_000) });
    assert.equal(greedy.status, 500);
    assert.match(((await greedy.json()) as { error: { message: string } }).error.message, /does not match the expected Content-only format/);
    const lines: RequestLogLine[] = [];
    const { m } = model(server.url, 'lone-byte', 'llamacpp', lines, 0);
    const [top] = await m.nextTokens([[1, 2]], 3);
    assert.deepEqual(top!.map((t) => t.id), [3, 1, 2], 'the top-k, lone byte first, from a drawn (not greedy) request');
    const rows = await m.sample({ prompts: [[1]], n: 1, temperature: 1, maxTokens: 1, seed: 3 });
    for (let s = 4; m.resampledRequests === 0 && s < 40; s++) rows.push(...(await m.sample({ prompts: [[1]], n: 1, temperature: 1, maxTokens: 1, seed: s })));
    assert.ok(m.resampledRequests > 0, 'some seed drew the lone byte (p = 0.6) and was redrawn');
    for (const [c] of rows) assert.ok(c!.tokens.every((t) => t.id !== 3), 'kept samples are valid text');
    assert.ok(m.warnings.some((w) => /redrawn with another seed/.test(w)));
    assert.equal(lines.filter((l) => l.status === 500).length, m.resampledRequests, 'each failure sent once, then redrawn: no identical retries');
  } finally {
    await server.close();
  }
});

test('SGLang: the probe finds the native /generate and the model then works on token ids end to end (no re-tokenisation)', { timeout: 30_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true, dialect: 'sglang' });
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [`${server.url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.base' });
    const { caps, info: notes } = await detectCapabilities(ep, 'demo-base');
    assert.deepEqual([caps.dialect, caps.idsBack, caps.scoring, caps.tokenIdPrompts], ['sglang', 'generate', 'generate', true]);
    assert.ok(notes.some((n) => /native \/generate/.test(n)));
    const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${server.url}/v1`, model: 'demo-base', dialect: 'auto' }), caps);
    assert.ok(!m.warnings.some((w) => /re-tokenis/.test(w)), 'ids end to end: no drift warning');
    const demo = buildWordDemo();
    const ids = await m.encode('The food was');
    assert.deepEqual(ids, demo.tokenizer.encode('The food was'));
    const [top] = await m.nextTokens([ids], 5);
    const exact = demo.base.nextLogprobs(ids);
    for (const t of top!) assert.ok(Math.abs(t.logprob - exact[t.id]!) < 1e-9, `${t.id}`);
    assert.ok(top!.every((t) => typeof t.text === 'string' && !t.text.startsWith('‹')), 'texts from /v1/detokenize');
    const before = server.stats().byPath['/generate'] ?? 0;
    const rows = await m.sample({ prompts: [ids, [...ids, top![1]!.id]], n: 3, temperature: 1, maxTokens: 5, topLogprobs: 2 });
    assert.equal((server.stats().byPath['/generate'] ?? 0) - before, 1, 'every prompt and sample in one request');
    assert.deepEqual(rows.map((r) => r.length), [3, 3]);
    // Scoring by input_token_logprobs gives back the sampled tokens' own log-probabilities, and the next top-k.
    const c = rows[0]![0]!;
    const cont = c.tokens.map((t) => t.id);
    const [scored] = await m.score({ items: [{ prompt: ids, continuation: cont }], nextTopK: 3 });
    scored!.logprobs.forEach((lp, i) => assert.ok(Math.abs(lp - c.tokens[i]!.logprob) < 1e-9, `position ${i}`));
    const after = demo.base.nextLogprobs([...ids, ...cont]);
    assert.ok(scored!.next!.every((t) => Math.abs(t.logprob - after[t.id]!) < 1e-9));
  } finally {
    await server.close();
  }
});

test('vLLM reference with an extra generation-config EOS (stopTokenIds): the integer stop_reason ends samples as EOS, that token removed', { timeout: 20_000 }, async () => {
  const demo = buildWordDemo();
  const ids = demo.tokenizer.encode('The food was');
  // The most likely next word stands in for the second EOS id, so the greedy sample ends on it at once.
  const lp = demo.base.nextLogprobs(ids);
  const second = [...lp.keys()].filter((i) => i !== demo.base.eosId).sort((a, b) => lp[b]! - lp[a]!)[0]!;
  const server = await startServer({ port: 0, quiet: true, dialect: 'vllm', stopTokenIds: [second] });
  try {
    const raw = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo-base', prompt: ids, max_tokens: 4, temperature: 0, logprobs: 1, return_tokens_as_token_ids: true }), signal: AbortSignal.timeout(5_000) });
    const choice = ((await raw.json()) as { choices: Array<{ stop_reason: unknown; finish_reason: string; logprobs: { tokens: string[] } }> }).choices[0]!;
    assert.deepEqual([choice.finish_reason, choice.stop_reason, choice.logprobs.tokens.at(-1)], ['stop', second, `token_id:${second}`]);
    const { m } = model(server.url, 'demo-base', 'vllm', [], demo.base.eosId);
    const [[greedy]] = await m.sample({ prompts: [ids], n: 1, temperature: 0, maxTokens: 4 });
    assert.deepEqual([greedy!.finish, greedy!.tokens.length], ['eos', 0], 'the greedy sample ends on the extra EOS at once');
    const [row] = await m.sample({ prompts: [ids], n: 12, temperature: 1, maxTokens: 4, seed: 1 });
    for (const c of row!) assert.ok(c.tokens.every((t) => t.id !== second), 'the extra EOS is never left in the tokens');
  } finally {
    await server.close();
  }
});
