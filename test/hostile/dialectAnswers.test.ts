// Every dialect's answer passes the same checks: a cut, contradictory or malformed answer is an error naming the
// endpoint that gave it, never a silent answer (vLLM, SGLang native and text mode, llama.cpp, Ollama, hosted OpenAI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, makeReward, type Capabilities } from '../../src/backends/index';
import { ModelEndpoint, type RewardConfig } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { SGLANG_NATIVE } from '../../src/backends/dialects/sglang';
import { hostileServer, type HostileAnswer, type HostileRequest } from './hostileServer';

const KINDS = ['vllm', 'sglang-native', 'sglang', 'llamacpp', 'ollama', 'openai'] as const;
type Kind = (typeof KINDS)[number];
const CAPS: Record<Kind, Capabilities> = { ...DIALECT_CAPABILITIES, 'sglang-native': SGLANG_NATIVE };
const ROUTE: Record<Kind, string> = { vllm: '/v1/completions', 'sglang-native': '/generate', sglang: '/v1/completions', llamacpp: '/v1/completions', ollama: '/api/generate', openai: '/v1/completions' };
/** Dialects that answer with token texts (prompts travel as text, keys are strings). */
const TEXT: readonly Kind[] = ['sglang', 'ollama', 'openai'];

// Token texts for id answers: /tokenize and /detokenize as vLLM and SGLang answer them (token i is "<i>").
const MARK = '\n~|~\n';
function tokenizer(r: HostileRequest): HostileAnswer | undefined {
  if (/^(\/v1)?\/tokenize$/.test(r.path)) return { json: { tokens: [999] } };
  if (/^(\/v1)?\/detokenize$/.test(r.path)) return { json: { prompt: (r.body as { tokens: number[] }).tokens.map((id) => (id === 999 ? MARK : `<${id}>`)).join('') } };
  return undefined;
}

interface Entry {
  id: number;
  logprob: unknown;
}
/** One generated position: the sampled token (its own log-probability), its top-k, the finish and text as sent. */
interface One {
  token: number;
  own: unknown;
  top: Entry[];
  finish?: unknown;
  text?: unknown;
  /** More positions after the first (same top-k). */
  more?: number[];
}
const text = (id: number) => `<${id}>`;
const FINISH = (k: Kind, f: unknown) => (f === undefined ? (k === 'sglang-native' ? { type: 'length', length: 1 } : 'length') : f);

/** The answer each server sends for `o`, in its own shape. */
function answer(k: Kind, o: One): unknown {
  const ids = [o.token, ...(o.more ?? [])];
  // Later positions agree with the top-k they list.
  const own = (i: number) => (i === 0 ? o.own : (o.top.find((e) => e.id === ids[i])?.logprob ?? -0.5));
  const body = o.text === undefined ? ids.map(text).join('') : o.text;
  if (k === 'sglang-native')
    return [
      {
        text: body,
        meta_info: { finish_reason: FINISH(k, o.finish), output_token_logprobs: ids.map((id, i) => [own(i), id, null]), output_top_logprobs: ids.map(() => o.top.map((e) => [e.logprob, e.id, null])) },
      },
    ];
  if (k === 'ollama')
    return { response: body, done_reason: o.finish === undefined ? 'length' : o.finish, logprobs: ids.map((id, i) => ({ token: text(id), logprob: own(i), top_logprobs: o.top.map((e) => ({ token: text(e.id), logprob: e.logprob })) })) };
  if (k === 'llamacpp')
    return { choices: [{ index: 0, text: body, finish_reason: FINISH(k, o.finish), logprobs: { content: ids.map((id, i) => ({ id, token: text(id), logprob: own(i), top_logprobs: o.top.map((e) => ({ id: e.id, token: text(e.id), logprob: e.logprob })) })) } }] };
  const key = (id: number) => (k === 'vllm' ? `token_id:${id}` : text(id));
  return {
    choices: [
      {
        index: 0,
        text: body,
        finish_reason: FINISH(k, o.finish),
        ...(k === 'vllm' ? { stop_reason: null } : {}),
        logprobs: { tokens: ids.map(key), token_logprobs: ids.map((_, i) => own(i)), top_logprobs: ids.map(() => Object.fromEntries(o.top.map((e) => [key(e.id), e.logprob]))), text_offset: ids.map((_, i) => i * 3) },
      },
    ],
  };
}

async function model(k: Kind, respond: (r: HostileRequest) => HostileAnswer) {
  const server = await hostileServer((r) => tokenizer(r) ?? respond(r));
  const ep = new Endpoint({ role: 'base', baseUrls: [server.url], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.base', retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const dialect = k === 'sglang-native' ? 'sglang' : k;
  const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: server.url, model: 'm', dialect, eosTokenId: 2 }), CAPS[k]);
  const prompt = TEXT.includes(k) ? await m.encode('x') : [1];
  return { server, m, prompt, url: `${server.url}${ROUTE[k]}` };
}

const GOOD: One = { token: 5, own: -0.2, top: [{ id: 5, logprob: -0.2 }, { id: 6, logprob: -2 }] };

/** Runs `f` against a server that answers `o` for every generation request; returns what f threw (or undefined). */
async function outcome(k: Kind, o: One | { raw: HostileAnswer }, f: (m: HttpLanguageModel, prompt: number[]) => Promise<unknown>): Promise<{ error: unknown; url: string }> {
  const { server, m, prompt, url } = await model(k, () => ('raw' in o ? o.raw : { json: answer(k, o) }));
  try {
    await f(m, prompt);
    return { error: undefined, url };
  } catch (error) {
    return { error, url };
  } finally {
    await server.close();
  }
}
const sample = (m: HttpLanguageModel, prompt: number[]) => m.sample({ prompts: [prompt], n: 1, temperature: 1, maxTokens: 2, topLogprobs: 2 });
const top = (m: HttpLanguageModel, prompt: number[]) => m.nextTokens([prompt], 2);

function assertError(r: { error: unknown; url: string }, kind: TqError['kind'], what: RegExp, k: Kind): void {
  const e = r.error;
  assert.ok(e instanceof TqError, `${k}: expected a TqError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  assert.equal(e.kind, kind, `${k}: ${e.message}`);
  assert.ok(e.message.includes(r.url), `${k}: the error names ${r.url}: ${e.message}`);
  assert.match(e.message, what, k);
}

for (const k of KINDS) {
  test(`${k}: a well-formed answer is read as sent (the checks below refuse only what is wrong)`, { timeout: 10_000 }, async () => {
    const r = await outcome(k, GOOD, async (m, p) => {
      const [[c]] = await sample(m, p);
      assert.equal(c!.tokens[0]!.logprob, -0.2);
      assert.equal(c!.finish, 'length');
      const [t] = await top(m, p);
      assert.deepEqual(t!.map((x) => x.logprob), [-0.2, -2]);
    });
    assert.equal(r.error, undefined, String(r.error));
  });

  test(`${k}: a finish reason that is not "stop" or "length" is an error, never an end of sequence`, { timeout: 10_000 }, async () => {
    const odd = k === 'sglang-native' ? { type: 'cancelled' } : 'cancelled';
    assertError(await outcome(k, { ...GOOD, finish: odd }, sample), 'protocol', /cancelled/, k);
    const missing = k === 'sglang-native' ? null : k === 'ollama' ? undefined : null;
    if (k === 'ollama') assertError(await outcome(k, { raw: { json: { ...(answer(k, GOOD) as object), done_reason: undefined } } }, sample), 'protocol', /done_reason/, k);
    else assertError(await outcome(k, { ...GOOD, finish: missing }, sample), 'protocol', /finish/, k);
    if (k === 'sglang-native') assertError(await outcome(k, { ...GOOD, finish: 'length' }, sample), 'protocol', /finish_reason is "length", not \{type/, k);
    if (k !== 'ollama') {
      const abort = k === 'sglang-native' ? { type: 'abort', message: 'request cancelled by the scheduler' } : 'abort';
      assertError(await outcome(k, { ...GOOD, finish: abort }, sample), 'http', /aborted the generation/, k);
    }
  });

  test(`${k}: a sampled token's own log-probability above 0 is refused, naming the endpoint`, { timeout: 10_000 }, async () => {
    assertError(await outcome(k, { ...GOOD, own: 5, top: [{ id: 5, logprob: -0.2 }] }, sample), 'protocol', /is 5, not a log-probability/, k);
  });

  test(`${k}: null entries are protocol errors naming the endpoint, not TypeErrors`, { timeout: 10_000 }, async () => {
    const withNullTop = JSON.parse(JSON.stringify(answer(k, GOOD)).replace(/\{"id":6,"token":"<6>","logprob":-2\}|\{"token":"<6>","logprob":-2\}|\[-2,6,null\]/, 'null'));
    if (k !== 'vllm' && k !== 'openai' && k !== 'sglang') assertError(await outcome(k, { raw: { json: withNullTop } }, top), 'protocol', /not (an object|a list)/, k);
    const nullPosition =
      k === 'sglang-native'
        ? [{ text: '', meta_info: { finish_reason: { type: 'length' }, output_token_logprobs: [null], output_top_logprobs: [null] } }]
        : k === 'ollama'
          ? { response: '', done_reason: 'length', logprobs: [null] }
          : k === 'llamacpp'
            ? { choices: [{ index: 0, text: '', finish_reason: 'length', logprobs: { content: [null] } }] }
            : { choices: [{ index: 0, text: '', finish_reason: 'length', logprobs: { tokens: [null], token_logprobs: [-0.1], top_logprobs: [null] } }] };
    assertError(await outcome(k, { raw: { json: nullPosition } }, top), 'protocol', /null/, k);
    if (k === 'sglang-native') {
      const nonArrayTop = [{ text: '', meta_info: { finish_reason: { type: 'length' }, output_token_logprobs: [[-0.2, 5, null]], output_top_logprobs: [5] } }];
      assertError(await outcome(k, { raw: { json: nonArrayTop } }, top), 'protocol', /output_top_logprobs\[0\] is 5, not a list/, k);
    }
  });

  test(`${k}: a 200 answer that carries {"error": …} is an error with the server's own message`, { timeout: 10_000 }, async () => {
    assertError(await outcome(k, { raw: { json: { error: { message: 'the model is still loading', code: 503 } } } }, top), 'http', /the model is still loading/, k);
  });

  test(`${k}: a top-k list that contradicts the sampled token's own log-probability is refused`, { timeout: 10_000 }, async () => {
    // The sampled token is left out while every alternative listed is far less likely: not a top-k list.
    assertError(await outcome(k, { token: 5, own: -0.1, top: [{ id: 6, logprob: -1e308 }, { id: 7, logprob: -1e308 }] }, sample), 'protocol', /not a top-k list/, k);
    // An alternative at probability 1 (−0) beside a sampled token of probability 0.6.
    assertError(await outcome(k, { token: 5, own: Math.log(0.6), top: [{ id: 6, logprob: -0 }, { id: 5, logprob: Math.log(0.6) }] }, sample), 'protocol', /add up to probability/, k);
    // The sampled token listed with another value than its own.
    assertError(await outcome(k, { token: 5, own: -0.1, top: [{ id: 5, logprob: -3 }, { id: 6, logprob: -2 }] }, sample), 'protocol', /sampled token log-probability -3, its own entry -0.1/, k);
  });

  test(`${k}: a choice text that does not match its tokens is refused`, { timeout: 10_000 }, async () => {
    assertError(await outcome(k, { ...GOOD, more: [6], text: ' something else' }, sample), 'protocol', /its tokens spell "<5><6>"/, k);
  });
}

for (const k of ['vllm', 'sglang', 'openai'] as const) {
  test(`${k}: a top-k map that names one key twice is refused (JSON would keep the last value)`, { timeout: 10_000 }, async () => {
    const key = k === 'vllm' ? 'token_id:6' : '<6>';
    const body = JSON.stringify(answer(k, GOOD)).replace(`"${key}":-2`, `"${key}":-2,"${key}":-0.01`);
    assertError(await outcome(k, { raw: { text: body } }, top), 'protocol', /twice/, k);
  });

  test(`${k}: a tokens list shorter than its log-probabilities is a protocol error, not "the server ignored logprobs"`, { timeout: 10_000 }, async () => {
    const body = answer(k, { ...GOOD, more: [6] }) as { choices: Array<{ logprobs: { tokens: string[] } }> };
    body.choices[0]!.logprobs.tokens = body.choices[0]!.logprobs.tokens.slice(0, 1);
    assertError(await outcome(k, { raw: { json: body } }, sample), 'protocol', /token_logprobs has 2 entries, .*tokens 1/, k);
  });
}

test('ollama: an answer that is not an object, or "logprobs" that is not a list, is a protocol error naming /api/generate', { timeout: 10_000 }, async () => {
  assertError(await outcome('ollama', { raw: { json: [1] } }, top), 'protocol', /the answer is .*, not an object/, 'ollama');
  assertError(await outcome('ollama', { raw: { json: { response: '', done_reason: 'length', logprobs: 5 } } }, top), 'protocol', /"logprobs" is 5, not a list/, 'ollama');
});

test('sglang-native: input_token_logprobs are checked like every log-probability (+5, null entries), naming /generate', { timeout: 10_000 }, async () => {
  const scored = (input: unknown[]) => [{ text: '', meta_info: { finish_reason: { type: 'length', length: 1 }, output_token_logprobs: [[-0.2, 5, null]], output_top_logprobs: [[[-0.2, 5, null]]], input_token_logprobs: input } }];
  const score = (m: HttpLanguageModel) => m.score({ items: [{ prompt: [1, 2], continuation: [3, 4] }] });
  assertError(await outcome('sglang-native', { raw: { json: scored([[null, 2, null], [5, 3, null], [-0.5, 4, null]]) } }, score), 'protocol', /input_token_logprobs\[1\]\[0\] is 5/, 'sglang-native');
  assertError(await outcome('sglang-native', { raw: { json: scored([[null, 2, null], null, [-0.5, 4, null]]) } }, score), 'protocol', /input_token_logprobs\[1\] is null/, 'sglang-native');
  const ok = await outcome('sglang-native', { raw: { json: scored([[null, 2, null], [-0.25, 3, null], [-0.5, 4, null]]) } }, async (m) => assert.deepEqual((await score(m))[0]!.logprobs, [-0.25, -0.5]));
  assert.equal(ok.error, undefined, String(ok.error));
});

test('vllm-classify: more than two values per input is refused, never read as class 1', { timeout: 10_000 }, async () => {
  const server = await hostileServer(() => ({ json: { data: [{ index: 0, probs: [0.1, 0.2, 0.7] }] } }));
  try {
    const reward = makeReward({ kind: 'vllm-classify', baseUrl: server.url } as RewardConfig, { role: 'reward' });
    await assert.rejects(reward.score([{ prompt: 'p', response: 'r' }]), (e: unknown) => e instanceof TqError && e.kind === 'reward' && /3 classes/.test(e.message));
  } finally {
    await server.close();
  }
});
