// Every reward adapter round-trips: against stubs of each server's documented shape, and the reference server's /pooling.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeReward } from '../../src/backends/index';
import { RunConfig, type RewardConfig } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { startServer } from '../../src/server/index';
import { stubServer, type Stub } from './stubServer';

const PAIRS = [
  { prompt: 'Q1 ', response: 'great answer' },
  { prompt: 'Q2 ', response: 'bad' },
  { prompt: 'Q3 ', response: 'ok then' },
];
// The stubs' "model": the length of the text they were sent, so a wrong text or order shows.
const lengthScore = (t: string) => t.length / 10;
const reward = (cfg: RewardConfig) => makeReward(cfg, { role: 'reward' });
const isRewardError = (source: string) => (e: unknown) => e instanceof TqError && e.kind === 'reward' && e.message.includes(source);

let stub: Stub;
before(async () => {
  stub = await stubServer(({ path, body }) => {
    const b = body as Record<string, any>;
    switch (path) {
      case '/pooling': // vLLM: {data: [{index, data: [score]}]}, here in reverse order to test index placement
        return { body: { object: 'list', data: (b.input as string[]).map((t, index) => ({ index, object: 'pooling', data: [lengthScore(t)] })).reverse() } };
      case '/classify': // vLLM: probabilities by default, the raw logits with use_activation false
        return {
          body: {
            data: (b.input as string[]).map((t, index) => ({ index, label: 'LABEL_1', probs: b.use_activation === false ? [0.25, 0.25 + lengthScore(t) / 10] : [1 - lengthScore(t) / 10, lengthScore(t) / 10], num_classes: 2 })),
          },
        };
      case '/score':
      case '/ceonly/score': {
        // vLLM ScoreTextRequest: text_1 a string (1:N) or a list (N:N); answered {data: [{index, score}]}, here in
        // reverse order, and the sigmoid unless use_activation is false (its default applies the activation).
        const t2 = b.text_2 as string[];
        const q = (i: number) => (typeof b.text_1 === 'string' ? b.text_1 : (b.text_1 as string[])[i]!);
        const raw = (i: number) => lengthScore(q(i) + t2[i]!);
        return { body: { object: 'list', data: t2.map((_d, index) => ({ index, object: 'score', score: b.use_activation === false ? raw(index) : 1 / (1 + Math.exp(-raw(index))) })).reverse() } };
      }
      case '/twice/score': // index 0 answered twice, index 1 never
        return { body: { data: (b.text_2 as string[]).map((_d, i) => ({ index: i === 1 ? 0 : i, score: 1 })) } };
      case '/vector/score': // a score that is a list, not a number
        return { body: { data: (b.text_2 as string[]).map((_d, index) => ({ index, score: [1, 2] })) } };
      case '/predict': // TEI: one list of {score, label} per input
        return { body: (b.inputs as string[][]).map(([t]) => [{ score: lengthScore(t!), label: 'LABEL_0' }]) };
      case '/get_reward': // OpenRLHF
        return { body: { rewards: (b.query as string[]).map(lengthScore) } };
      case '/custom/batch':
        return { body: { result: { scores: (b.items as Array<{ prompt: string; response: string }>).map((p) => lengthScore(p.prompt + p.response)) } } };
      case '/custom/one':
        return { body: { data: [{ score: lengthScore(b.text) }] } };
      case '/nan/pooling':
        return { body: { data: (b.input as string[]).map((_t, index) => ({ index, data: index === 1 ? ['NaN'] : [1] })) } };
      case '/pertoken/pooling': // vLLM /pooling answering token_classify: one row per token
        return { body: { data: (b.input as string[]).map((_t, index) => ({ index, data: [[0.1], [0.2], [0.3]] })) } };
      case '/short/get_reward':
        return { body: { rewards: [1] } };
      case '/v1/chat/completions': {
        const content = b.messages[0].content as string;
        if (b.logprobs) {
          // P(yes): " yes" and "Yes" are both yes tokens; "no" is not.
          const top = [{ token: 'Yes', logprob: Math.log(0.5) }, { token: ' yes', logprob: Math.log(0.2) }, { token: 'no', logprob: Math.log(0.3) }];
          return { body: { choices: [{ index: 0, message: { role: 'assistant', content: 'Yes' }, logprobs: { content: [{ token: 'Yes', logprob: Math.log(0.5), top_logprobs: top }] } }] } };
        }
        const response = content.split('\n').at(-1);
        const answer = response === 'great answer' ? 'Score: 9/10' : response === 'bad' ? '2' : 'I cannot rate this.';
        return { body: { choices: [{ index: 0, message: { role: 'assistant', content: answer } }] } };
      }
      default:
        return { status: 404, body: { error: { message: `no route ${path}` } } };
    }
  });
});
after(() => stub.close());

const expected = PAIRS.map((p) => lengthScore(p.prompt + p.response));

test('vLLM /pooling: one request for all pairs, use_activation false, scores placed by index', async () => {
  const before = stub.requests.length;
  const s = await reward({ kind: 'vllm-pooling', baseUrl: `${stub.url}/v1`, model: 'rm' }).score(PAIRS);
  assert.deepEqual(s, expected);
  const sent = stub.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.path, '/pooling', 'root-level, even when the /v1 base was pasted');
  assert.deepEqual(sent[0]!.body, { model: 'rm', input: PAIRS.map((p) => p.prompt + p.response), task: 'classify', use_activation: false });
});

test('vLLM /classify (binary: raw log-odds of class 1, use_activation false), TEI /predict, OpenRLHF /get_reward', async () => {
  const clf = await reward({ kind: 'vllm-classify', baseUrl: stub.url, model: 'clf' }).score(PAIRS);
  clf.forEach((x, i) => assert.ok(Math.abs(x - expected[i]! / 10) < 1e-12, `${x}`));
  assert.equal((stub.requests.at(-1)!.body as Record<string, unknown>).use_activation, false);
  assert.deepEqual(await reward({ kind: 'tei', baseUrl: stub.url }).score(PAIRS), expected);
  const tei = stub.requests.at(-1)!;
  assert.deepEqual(tei.body, { inputs: PAIRS.map((p) => [p.prompt + p.response]), raw_scores: true, truncate: true });
  assert.deepEqual(await reward({ kind: 'openrlhf', baseUrl: stub.url }).score(PAIRS), expected);
});

test('vLLM /score: one request, text_1 the query (a string when shared, a list otherwise), text_2 the responses, placed by index', async () => {
  const before = stub.requests.length;
  const shared = PAIRS.map((p) => ({ prompt: 'Q ', response: p.response }));
  const s1 = await reward({ kind: 'vllm-score', baseUrl: `${stub.url}/v1`, model: 'ce' }).score(shared);
  assert.deepEqual(s1, shared.map((p) => lengthScore(p.prompt + p.response)));
  const s2 = await reward({ kind: 'vllm-score', baseUrl: stub.url, model: 'ce' }).score(PAIRS);
  assert.deepEqual(s2, expected);
  const sent = stub.requests.slice(before);
  assert.equal(sent.length, 2, 'one HTTP request per batch');
  assert.equal(sent[0]!.path, '/score', 'root-level, even when the /v1 base was pasted');
  assert.deepEqual(sent[0]!.body, { model: 'ce', text_1: 'Q ', text_2: shared.map((p) => p.response), use_activation: false });
  assert.deepEqual(sent[1]!.body, { model: 'ce', text_1: PAIRS.map((p) => p.prompt), text_2: PAIRS.map((p) => p.response), use_activation: false });
});

test('vLLM /score with a template: the query side carries the wrapping, query + document is the reward text', async () => {
  await reward({ kind: 'vllm-score', baseUrl: stub.url, model: 'ce', template: 'chatml' }).score(PAIRS.slice(0, 1));
  const body = stub.requests.at(-1)!.body as { text_1: string; text_2: string[] };
  assert.equal(body.text_1, '<|im_start|>user\nQ1 <|im_end|>\n<|im_start|>assistant\n');
  assert.deepEqual(body.text_2, ['great answer<|im_end|>\n']);
  await reward({ kind: 'vllm-score', baseUrl: stub.url, template: 'Question: {prompt}\nAnswer:' }).score(PAIRS.slice(0, 1));
  assert.deepEqual(stub.requests.at(-1)!.body, { text_1: 'Question: Q1 \nAnswer:', text_2: ['great answer'], use_activation: false }, 'a template without {response}: the response is the whole document');
});

test('vLLM /score: an index answered twice, or a score that is not one number, is a reward error naming the source', async () => {
  await assert.rejects(reward({ kind: 'vllm-score', baseUrl: `${stub.url}/twice`, model: 'ce' }).score(PAIRS), (e: unknown) => isRewardError('vllm-score')(e) && /index 0 answered twice/.test((e as Error).message));
  await assert.rejects(reward({ kind: 'vllm-score', baseUrl: `${stub.url}/vector`, model: 'ce' }).score(PAIRS), (e: unknown) => isRewardError('vllm-score')(e) && /not a finite number/.test((e as Error).message));
});

test('reward templates shape the text the reward model sees', async () => {
  await reward({ kind: 'openrlhf', baseUrl: stub.url, template: 'chatml' }).score(PAIRS.slice(0, 1));
  assert.deepEqual((stub.requests.at(-1)!.body as { query: string[] }).query, ['<|im_start|>user\nQ1 <|im_end|>\n<|im_start|>assistant\ngreat answer<|im_end|>\n']);
});

test('http-json: batched {pairs} with a dot path, and one request per pair with {text}', async () => {
  const batched = reward({ kind: 'http-json', baseUrl: `${stub.url}/custom/batch`, requestTemplate: { items: '{pairs}', note: 'for {prompt}' }, responsePath: 'result.scores', batch: true });
  assert.deepEqual(await batched.score(PAIRS), expected);
  const n0 = stub.requests.length;
  const single = reward({ kind: 'http-json', baseUrl: `${stub.url}/custom/one`, requestTemplate: { text: '{text}' }, responsePath: 'data.0.score', batch: false });
  assert.deepEqual(await single.score(PAIRS), expected);
  assert.equal(stub.requests.length - n0, PAIRS.length);
});

test('LLM judge: numeric score parsed from the reply; a reply without a number is an error, never 0', async () => {
  const judge = reward({ kind: 'judge', baseUrl: `${stub.url}/v1`, model: 'judge', mode: 'score' });
  assert.deepEqual(await judge.score(PAIRS.slice(0, 2)), [9, 2]);
  await assert.rejects(judge.score(PAIRS), isRewardError('judge'));
});

test('LLM judge: probability of "yes" sums the yes-spellings among the top logprobs', async () => {
  const judge = reward({ kind: 'judge', baseUrl: `${stub.url}/v1`, model: 'judge', mode: 'yes-probability' });
  const [p] = await judge.score(PAIRS.slice(0, 1));
  assert.ok(Math.abs(p! - 0.7) < 1e-12, String(p));
});

test('a non-finite or missing score is a reward error naming the source', async () => {
  await assert.rejects(reward({ kind: 'vllm-pooling', baseUrl: `${stub.url}/nan`, model: 'rm' }).score(PAIRS), isRewardError('vllm-pooling'));
  await assert.rejects(reward({ kind: 'openrlhf', baseUrl: `${stub.url}/short` }).score(PAIRS), isRewardError('openrlhf'));
  await assert.rejects(
    reward({ kind: 'http-json', baseUrl: `${stub.url}/custom/one`, requestTemplate: { text: '{text}' }, responsePath: 'data.0.missing', batch: false }).score(PAIRS),
    isRewardError('http-json'),
  );
});

test('builtin rewards: AFINN sentiment, keyword, regex, length; a weighted sum', async () => {
  const [pos, neg] = await reward({ kind: 'builtin', name: 'sentiment' }).score([
    { prompt: '', response: 'what a wonderful, lovely day' },
    { prompt: '', response: 'a terrible, awful mess' },
  ]);
  assert.ok(pos! > 0 && neg! < 0, `${pos} ${neg}`);
  assert.deepEqual(await reward({ kind: 'builtin', name: 'keyword', pattern: 'please, thank you' }).score([{ prompt: 'please', response: 'Please and thank you, please' }]), [3]);
  assert.deepEqual(await reward({ kind: 'builtin', name: 'regex', pattern: '\\d+' }).score([{ prompt: '', response: 'a1 b22 c' }]), [2]);
  assert.deepEqual(await reward({ kind: 'builtin', name: 'length', target: 10 }).score([{ prompt: '', response: 'x'.repeat(15) }]), [-0.5]);
  const sum = reward({
    kind: 'sum',
    terms: [
      { kind: 'builtin', name: 'regex', pattern: 'a', weight: 2 },
      { kind: 'builtin', name: 'length', target: 4, weight: -1 },
    ],
  });
  assert.deepEqual(await sum.score([{ prompt: '', response: 'aaaaaaaa' }]), [2 * 8 - 1 * -1]);
});

test('builtin tabular: the reward of the exact tabular tests, on words of its vocabulary', async () => {
  const { tabularSuite } = await import('../../src/models/inProcess');
  const suite = tabularSuite();
  const r = reward({ kind: 'builtin', name: 'tabular' });
  const pairs = [{ prompt: ' a', response: ' b c' }, { prompt: '', response: ' d' }];
  assert.deepEqual(await r.score(pairs), [suite.rewardFn([0, 1, 2]), suite.rewardFn([3])]);
  await assert.rejects(r.score([{ prompt: '', response: ' zebra' }]), (e: unknown) => e instanceof TqError && e.kind === 'reward');
});

test('vscode-lm outside VS Code is a config error saying where it works; a host factory replaces it', () => {
  assert.throws(() => reward({ kind: 'vscode-lm' }), (e: unknown) => e instanceof TqError && e.kind === 'config' && /only available inside VS Code/.test(e.message));
  const fake = { label: 'host judge', score: async (p: unknown[]) => p.map(() => 1) };
  assert.equal(makeReward({ kind: 'vscode-lm' }, { role: 'reward', factories: { 'vscode-lm': () => fake } }), fake);
});

test('reference server /pooling (demo-sentiment) round-trips: one finite score per pair, positive text scores higher', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const r = reward({ kind: 'vllm-pooling', baseUrl: server.url, model: 'demo-sentiment' });
    const [good, bad] = await r.score([
      { prompt: 'The service was', response: ' wonderful, thank you.' },
      { prompt: 'The service was', response: ' terrible and rude.' },
    ]);
    assert.ok(Number.isFinite(good) && Number.isFinite(bad) && good! > bad!, `${good} ${bad}`);
    assert.equal(server.stats().byPath['/pooling'], 1);
  } finally {
    await server.close();
  }
});

test('a per-token /pooling answer is a reward error naming tqstar.reward.kind, not a silently chosen row', async () => {
  await assert.rejects(
    reward({ kind: 'vllm-pooling', baseUrl: `${stub.url}/pertoken`, model: 'rm' }).score(PAIRS),
    (e: unknown) => e instanceof TqError && e.kind === 'reward' && e.setting === 'tqstar.reward.kind' && /one row per token \(3 rows\)/.test(e.message),
  );
});

test('realistic vLLM reference /pooling: rows per token without a task, one score with task "classify" (what the client sends)', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const raw = await fetch(`${server.url}/pooling`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo-sentiment', input: ['The service was wonderful, thank you.'] }), signal: AbortSignal.timeout(10_000) });
    const rows = ((await raw.json()) as { data: Array<{ data: number[][] }> }).data[0]!.data;
    assert.ok(rows.length > 1 && rows.every((r) => Array.isArray(r) && r.length === 1), 'token_classify rows without a task');
    const [s] = await reward({ kind: 'vllm-pooling', baseUrl: server.url, model: 'demo-sentiment' }).score([{ prompt: 'The service was', response: ' wonderful, thank you.' }]);
    assert.equal(s, rows.at(-1)![0], 'task classify gives the sequence score (the last token pooled), raw');
    const [c] = await reward({ kind: 'vllm-classify', baseUrl: server.url, model: 'demo-sentiment' }).score([{ prompt: 'The service was', response: ' wonderful, thank you.' }]);
    assert.equal(c, s, '/classify with use_activation false is on the same raw scale as /pooling');
  } finally {
    await server.close();
  }
});

test('reference server /score (demo, vLLM-shaped): the raw reward of text_1 + text_2, the same as /pooling of the joined text', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const pairs = [
      { prompt: 'The service was', response: ' wonderful, thank you.' },
      { prompt: 'The service was', response: ' terrible and rude.' },
      { prompt: 'The food was', response: ' lovely.' },
    ];
    const s = await reward({ kind: 'vllm-score', baseUrl: server.url, model: 'demo-sentiment' }).score(pairs);
    const p = await reward({ kind: 'vllm-pooling', baseUrl: server.url, model: 'demo-sentiment' }).score(pairs);
    assert.deepEqual(s, p);
    assert.ok(s[0]! > s[1]!, `${s}`);
    assert.equal(server.stats().byPath['/score'], 1, 'the three pairs (two queries: N:N) in one request');
  } finally {
    await server.close();
  }
});

test('the probe reports which vLLM reward route answers, and names the kind to set when the configured one fails', { timeout: 30_000 }, async () => {
  const { probeAll } = await import('../../src/backends/index');
  const { demoRunConfig } = await import('../../src/server/demoConfig');
  const server = await startServer({ port: 0, quiet: true });
  try {
    const config = (reward: RewardConfig) => RunConfig.parse({ ...demoRunConfig(server.url), reward });
    const ok = (await probeAll(config({ kind: 'vllm-score', baseUrl: server.url, model: 'demo-sentiment' }))).find((r) => r.role === 'reward')!;
    assert.ok(ok.ok, ok.problems.join('; '));
    const line = ok.notes.find((n) => n.startsWith('vLLM reward routes:'))!;
    assert.match(line, /\/pooling \(vllm-pooling\) → -?\d/);
    assert.match(line, /\/classify \(vllm-classify\) → -?\d/);
    assert.match(line, /\/score \(vllm-score\) → -?\d/);
    const byPath = server.stats().byPath;
    assert.deepEqual([byPath['/score'], byPath['/pooling'], byPath['/classify']], [1, 1, 1], 'each route asked once: the configured answer is reused');
    // A cross-encoder served only on /score: under /ceonly the stub answers /score and 404s on /pooling and /classify.
    const bad = (await probeAll(config({ kind: 'vllm-pooling', baseUrl: `${stub.url}/ceonly`, model: 'ce' }))).find((r) => r.role === 'reward')!;
    assert.equal(bad.ok, false);
    assert.match(bad.notes.find((n) => n.startsWith('vLLM reward routes:'))!, /\/score \(vllm-score\) → /);
    assert.ok(bad.problems.some((p) => p.includes('"vllm-score"') && p.includes('tqstar.reward.kind')), bad.problems.join('; '));
  } finally {
    await server.close();
  }
});

test('a "sum" term with its own apiKeyEnv sends that key; other terms send the role key', async () => {
  process.env.TQSTAR_TEST_TERM_KEY = 'term-key-456';
  try {
    const before = stub.requests.length;
    const sum = makeReward(
      { kind: 'sum', terms: [{ kind: 'openrlhf', baseUrl: stub.url, apiKeyEnv: 'TQSTAR_TEST_TERM_KEY' }, { kind: 'tei', baseUrl: stub.url, weight: 2 }] },
      { role: 'reward', apiKey: 'role-key-123' },
    );
    assert.deepEqual(await sum.score(PAIRS), expected.map((x) => x + 2 * x));
    const auth = Object.fromEntries(stub.requests.slice(before).map((r) => [r.path, r.headers.authorization]));
    assert.deepEqual(auth, { '/get_reward': 'Bearer term-key-456', '/predict': 'Bearer role-key-123' });
  } finally {
    delete process.env.TQSTAR_TEST_TERM_KEY;
  }
});
