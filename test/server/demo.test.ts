// The word-level demo: tokenizer round trip, the demo-sentiment reward, the aligned model's tilt, and the demo run end to end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RunConfig } from '../../src/config/schema';
import { buildWordDemo, demoSentiment } from '../../src/models/wordDemo';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { runStrategies } from '../../src/core/index';
import { demoRunConfig, tabularRunConfig } from '../../src/server/demoConfig';
import type { RunningServer } from '../../src/server/index';
import { completions, post, serve } from './http';

const demo = buildWordDemo();

describe('demo tokenizer', () => {
  test('decode(encode(text)) is the text, for words, punctuation, whitespace, unknown words and non-ASCII', () => {
    for (const text of ['The customer service was', "I don't know!!  Really?\n\tOK", 'Zyxwv qqq', 'café 😀 naïve', '', ' leading and trailing ']) {
      assert.equal(demo.tokenizer.decode(demo.tokenizer.encode(text)), text);
    }
  });
  test('words carry their leading space, and for ASCII text joining the token texts gives the text back', () => {
    const ids = demo.tokenizer.encode('The food was great, thank you.');
    assert.deepEqual(ids.map((i) => demo.tokenizer.vocab[i]), ['The', ' food', ' was', ' great', ',', ' thank', ' you', '.']);
  });
  test('EOS has id 0 and no text', () => {
    assert.equal(demo.tokenizer.decode([demo.base.eosId]), '');
  });
});

describe('demo-sentiment reward', () => {
  test('positive beats negative, polite beats blunt, and it stays in [−1, 2]', () => {
    assert.ok(demoSentiment('The staff were wonderful and helpful.') > demoSentiment('The staff were rude and lazy.'));
    assert.ok(demoSentiment('Please send the report, thank you.') > demoSentiment('Send the report.'));
    for (const s of ['awful terrible horrible disgusting hate hate hate', 'Thank you, please, kindly, grateful, sorry, appreciate it, wonderful superb'])
      assert.ok(demoSentiment(s) >= -1 && demoSentiment(s) <= 2);
  });
});

describe('demo pair over HTTP', () => {
  let server: RunningServer;
  before(async () => (server = await serve()));
  after(() => server.close());

  test('demo-aligned earns a higher mean demo-sentiment reward than demo-base (400 samples each)', { timeout: 60_000 }, async () => {
    const prompt = 'The customer service was';
    const rewards = async (model: string) => {
      const r = await completions(server, { model, prompt: [prompt, prompt], n: 200, max_tokens: 20, seed: 21 });
      const p = await post(server, '/pooling', { model: 'demo-sentiment', input: r.body.choices.map((c: any) => prompt + c.text), task: 'classify', use_activation: false });
      return p.body.data.map((d: any) => d.data[0] as number);
    };
    const stats = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
      return { m, se: Math.sqrt(v / xs.length) };
    };
    const base = stats(await rewards('demo-base'));
    const aligned = stats(await rewards('demo-aligned'));
    // A tilt that did nothing would give a difference within ~2 standard errors; ask for 5.
    assert.ok(aligned.m - base.m > 5 * Math.hypot(base.se, aligned.se), `base ${base.m.toFixed(3)}±${base.se.toFixed(3)}, aligned ${aligned.m.toFixed(3)}±${aligned.se.toFixed(3)}`);
  });

  test('the run configurations are valid RunConfigs pointing at this server', () => {
    for (const cfg of [demoRunConfig(server.url), tabularRunConfig(server.url)]) {
      const parsed = RunConfig.parse(cfg);
      assert.ok(String(parsed.base.baseUrl).startsWith(server.url + '/v1'));
    }
  });

  test('the demo run on "The customer service was": TQ* differs from greedy and earns more reward', { timeout: 120_000 }, async () => {
    const cfg = loadRunConfig({ ...demoRunConfig(server.url), strategies: ['tqstar', 'greedy'] });
    const { env, dispose } = await buildEnv(cfg);
    try {
      const res = await runStrategies(cfg.strategies, { text: 'The customer service was' }, env, cfg.decoding, { signal: new AbortController().signal, onEvent: () => {} });
      const by = Object.fromEntries(res.results.map((r) => [r.strategy, r]));
      assert.ok(by.tqstar && by.greedy);
      assert.notEqual(by.tqstar.text, by.greedy.text);
      assert.ok((by.tqstar.reward ?? -Infinity) > (by.greedy.reward ?? Infinity));
    } finally {
      dispose();
    }
  });
});
