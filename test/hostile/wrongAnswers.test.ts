// Issue 11, "wrong answers with exit 0": hostile log-probabilities, scores, counts and duplicate ids are errors, never silent answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, makeReward } from '../../src/backends/index';
import { ModelEndpoint, type RewardConfig } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { hostileServer, llamacppTop, vllmTop, type HostileAnswer, type HostileRequest } from './hostileServer';

const PAIRS = [
  { prompt: 'p', response: 'one' },
  { prompt: 'p', response: 'two' },
];

// Token texts for vLLM's "token_id:N" answers: /tokenize and /detokenize as vLLM answers them.
const MARK = '\n~|~\n';
function vllmTokenizer(r: HostileRequest): HostileAnswer | undefined {
  if (r.path === '/tokenize') return { json: { tokens: [999] } };
  if (r.path === '/detokenize') return { json: { prompt: (r.body as { tokens: number[] }).tokens.map((id) => (id === 999 ? MARK : `<${id}>`)).join('') } };
  return undefined;
}

async function model(dialect: 'vllm' | 'llamacpp' | 'ollama', completion: () => HostileAnswer) {
  const server = await hostileServer((r) => vllmTokenizer(r) ?? completion());
  const ep = new Endpoint({ role: 'base', baseUrls: [server.url], timeoutMs: 5_000, maxConcurrency: 2, settingPrefix: 'tqstar.base', retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: server.url, model: 'm', dialect, eosTokenId: 2 }), DIALECT_CAPABILITIES[dialect]);
  return { server, m };
}

const protocolError = (url: string, field: RegExp) => (e: unknown) => e instanceof TqError && e.kind === 'protocol' && e.message.includes(url) && field.test(e.message);

for (const [name, value] of [
  ['true', true],
  ['""', ''],
  ['[]', []],
  ['+50', 50],
  ['a numeric string', '-0.5'],
] as const) {
  test(`defect 1: a top-k log-probability of ${name} is a protocol error naming the endpoint and the field`, { timeout: 10_000 }, async () => {
    const { server, m } = await model('vllm', () => ({ json: vllmTop({ 'token_id:5': -0.2, 'token_id:6': value }) }));
    try {
      await assert.rejects(m.nextTokens([[1]], 2), protocolError(`${server.url}/v1/completions`, /top_logprobs/));
    } finally {
      await server.close();
    }
  });
}

test('defect 1: 1e999 (JSON for +Infinity) in a llama.cpp top-k list is a protocol error', { timeout: 10_000 }, async () => {
  const body = JSON.stringify(llamacppTop([{ id: 5, token: ' a', logprob: -0.2 }, { id: 6, token: ' b', logprob: 12345 }])).replace('12345', '1e999');
  const { server, m } = await model('llamacpp', () => ({ text: body }));
  try {
    await assert.rejects(m.nextTokens([[1]], 2), protocolError(`${server.url}/v1/completions`, /top_logprobs\[1\]\.logprob is Infinity/));
  } finally {
    await server.close();
  }
});

test('defect 1: a sampled token\'s own positive log-probability is refused; tiny rounding above 0 reads as 0', { timeout: 10_000 }, async () => {
  let own: unknown = 3;
  const { server, m } = await model('llamacpp', () => ({ json: llamacppTop([{ id: 5, token: ' a', logprob: 5e-7 }], own) }));
  try {
    await assert.rejects(m.sample({ prompts: [[1]], n: 1, temperature: 1, maxTokens: 1 }), protocolError(`${server.url}/v1/completions`, /content\[0\]\.logprob is 3/));
    own = 4e-7;
    const [[c]] = await m.sample({ prompts: [[1]], n: 1, temperature: 1, maxTokens: 1, topLogprobs: 1 });
    assert.equal(c!.tokens[0]!.logprob, 0);
    assert.equal(c!.tokens[0]!.top![0]!.logprob, 0);
    // …and a candidate says so in its diagnostics.
    const { decode, parseDecodingParams } = await import('../../src/core/index');
    const reward = makeReward({ kind: 'builtin', name: 'length', target: 5 }, { role: 'reward' });
    const r = await decode('args', { text: 'x', ids: [1] }, { base: m, baseline: m, reward }, parseDecodingParams({ topK: 1, maxTokens: 1 }));
    assert.deepEqual(r.steps[0]!.candidates[0]!.flags, ['top-k: the server sent log-probability 5e-7 (> 0, a rounding), read as 0']);
  } finally {
    await server.close();
  }
});

const rewardOn = async (kind: 'vllm-pooling' | 'vllm-classify' | 'vllm-score', answer: (r: HostileRequest) => unknown) => {
  const server = await hostileServer((r) => ({ json: answer(r) }));
  return { server, reward: makeReward({ kind, baseUrl: server.url } as RewardConfig, { role: 'reward' }) };
};
const rewardError = (what: RegExp) => (e: unknown) => e instanceof TqError && e.kind === 'reward' && what.test(e.message);

test('defect 2: a reward score "0x10" is not 16: a string score is an error naming the value', { timeout: 10_000 }, async () => {
  const { server, reward } = await rewardOn('vllm-pooling', () => ({ data: [{ index: 0, data: ['0x10'] }, { index: 1, data: [1] }] }));
  try {
    await assert.rejects(reward.score(PAIRS), rewardError(/score 0 is "0x10", not a finite number/));
  } finally {
    await server.close();
  }
});

test('defect 2: the generic JSON reward reads a plain decimal string strictly, never hex or padded text', { timeout: 10_000 }, async () => {
  let score: unknown = '0.25';
  const server = await hostileServer(() => ({ json: { score } }));
  try {
    const r = makeReward({ kind: 'http-json', baseUrl: `${server.url}/score`, requestTemplate: { text: '{text}' }, responsePath: 'score', batch: false }, { role: 'reward' });
    assert.deepEqual(await r.score(PAIRS.slice(0, 1)), [0.25]);
    for (const bad of ['0x10', ' 5', 'Infinity', '1_000', '']) {
      score = bad;
      await assert.rejects(r.score(PAIRS.slice(0, 1)), rewardError(/score 0 is/), bad);
    }
  } finally {
    await server.close();
  }
});

for (const kind of ['vllm-pooling', 'vllm-classify', 'vllm-score'] as const) {
  const entry = (index: number) => (kind === 'vllm-pooling' ? { index, data: [index + 1] } : kind === 'vllm-score' ? { index, score: index + 1 } : { index, probs: [0.5, 0.5] });
  test(`defect 3: ${kind} with more, fewer, repeated or out-of-range indices than inputs is an error`, { timeout: 10_000 }, async () => {
    let data: unknown[] = [];
    const { server, reward } = await rewardOn(kind, () => ({ data }));
    try {
      for (const [what, d] of [
        ['an extra score', [entry(0), entry(1), entry(2)]],
        ['a missing score', [entry(0)]],
        ['a repeated index', [entry(0), entry(0)]],
        ['an index out of range', [entry(0), entry(7)]],
      ] as const) {
        data = [...d];
        await assert.rejects(reward.score(PAIRS), rewardError(/expected 2 score|index/), what);
      }
      data = [entry(1), entry(0)];
      assert.equal((await reward.score(PAIRS)).length, 2, 'exactly one score per input, by index, is accepted');
    } finally {
      await server.close();
    }
  });
}

test('defect 4: a top-k list naming one token id twice is refused (llama.cpp shape, and vLLM "token_id:05")', { timeout: 10_000 }, async () => {
  const lc = await model('llamacpp', () => ({ json: llamacppTop([{ id: 5, token: ' a', logprob: -0.2 }, { id: 5, token: ' a', logprob: -0.9 }, { id: 6, token: ' b', logprob: -2 }]) }));
  const vl = await model('vllm', () => ({ json: vllmTop({ 'token_id:5': -0.2, 'token_id:05': -0.9, 'token_id:6': -2 }) }));
  try {
    await assert.rejects(lc.m.nextTokens([[1]], 3), protocolError(`${lc.server.url}/v1/completions`, /token 5 twice/));
    await assert.rejects(vl.m.nextTokens([[1]], 3), protocolError(`${vl.server.url}/v1/completions`, /token 5 twice/));
  } finally {
    await lc.server.close();
    await vl.server.close();
  }
});

test('defect 4: a text-only server (Ollama) listing one token text twice gets ONE candidate with the summed probability, marked as merged', { timeout: 10_000 }, async () => {
  const { server, m } = await model('ollama', () => ({
    // Ollama's native /api/generate answer (the client's Ollama route, src/backends/dialects/ollama.ts).
    json: { response: '\ufffd', done_reason: 'length', logprobs: [{ token: '\ufffd', logprob: Math.log(0.3), top_logprobs: [{ token: '\ufffd', logprob: Math.log(0.3) }, { token: ' b', logprob: Math.log(0.25) }, { token: '\ufffd', logprob: Math.log(0.2) }] }] },
  }));
  try {
    const [top] = await m.nextTokens([await m.encode('x')], 3);
    assert.deepEqual(top!.map((t) => t.text), ['\ufffd', ' b']);
    assert.ok(Math.abs(top![0]!.logprob - Math.log(0.5)) < 1e-12, String(top![0]!.logprob));
    const { parseCompletion } = await import('../../src/backends/parse');
    const twice = { token: 'x', logprob: -1 };
    const parsed = parseCompletion({ choices: [{ index: 0, text: 'x', logprobs: { content: [{ ...twice, top_logprobs: [twice, twice] }] } }] }, DIALECT_CAPABILITIES.ollama, 'u', 1);
    assert.equal(parsed[0]!.positions[0]!.top[0]!.merged, 2);
  } finally {
    await server.close();
  }
});

test('defect 4: the merge is flagged in the step diagnostics (ARGS over a hostile Ollama-shaped server)', { timeout: 10_000 }, async () => {
  const { server, m } = await model('ollama', () => ({
    json: { response: ' b', done_reason: 'length', logprobs: [{ token: ' b', logprob: -1, top_logprobs: [{ token: '\ufffd', logprob: -1.5 }, { token: ' b', logprob: -1 }, { token: '\ufffd', logprob: -2 }] }] },
  }));
  try {
    const { decode } = await import('../../src/core/index');
    const { parseDecodingParams } = await import('../../src/core/index');
    const reward = makeReward({ kind: 'builtin', name: 'length', target: 5 }, { role: 'reward' });
    const r = await decode('args', { text: 'x' }, { base: m, baseline: m, reward }, parseDecodingParams({ topK: 3, maxTokens: 1 }));
    assert.equal(r.error, undefined, r.error?.message);
    const cands = r.steps[0]!.candidates;
    assert.deepEqual(cands.map((c) => c.text).sort(), [' b', '\ufffd']);
    assert.deepEqual(cands.find((c) => c.text === '\ufffd')!.flags, ['top-k: 2 server entries with this text were merged (their probabilities summed)']);
    assert.equal(cands.find((c) => c.text === ' b')!.flags, undefined);
  } finally {
    await server.close();
  }
});

test('defect 16: a non-finite score is named by its value ("-Infinity"), not reported as null', async () => {
  const r = makeReward({ kind: 'builtin', name: 'length', target: 1e-320 }, { role: 'reward' });
  await assert.rejects(r.score([{ prompt: '', response: 'abc' }]), rewardError(/score 0 is -Infinity/));
});
