// The built-in worlds of `tqstar eval`: the default is the tiny transformers on the local engine, direct transfer.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { loadRunConfig } from '../../src/backends/index';
import { BUILTIN_PROMPTS } from '../../src/eval/prompts';
import { findDemoModels } from '../../src/engine/demoModels';
import { DEFAULT_WORLD, EVAL_STRATEGIES, evalWorld, TINY_EVAL_PROMPTS, tinyEvalWorld } from '../../src/eval/worlds';

const URL = 'http://127.0.0.1:9'; // only the settings are read here: nothing is contacted

test('the default world is the tiny transformers: sft as π_base, dpo-sentiment as the baseline, demo-sentiment reward, every strategy', () => {
  assert.equal(DEFAULT_WORLD, 'tiny');
  const w = evalWorld(DEFAULT_WORLD, URL);
  assert.ok(w, 'models/tiny is in the checkout');
  assert.equal(w.name, 'tiny');
  assert.match(w.description, /TINY DEMO MODELS/);
  const c = loadRunConfig(w.config);
  assert.equal(basename((w.config.base as { gguf: string }).gguf), 'sft.gguf');
  assert.equal(basename((w.config.baseline as { gguf: string }).gguf), 'dpo-sentiment.gguf');
  assert.deepEqual(w.config.reward, { kind: 'vllm-pooling', baseUrl: URL, model: 'demo-sentiment' });
  assert.equal(c.decoding.transfer, 'direct');
  assert.deepEqual(w.strategies, EVAL_STRATEGIES);
  assert.equal(w.embeddings?.baseUrl, `${URL}/v1`);
});

test('the tiny world decodes every fourth built-in prompt: 26, all three kinds, ids unchanged (resume keys on them)', () => {
  assert.equal(TINY_EVAL_PROMPTS.length, 26);
  assert.deepEqual(TINY_EVAL_PROMPTS[1], BUILTIN_PROMPTS[4]);
  for (const kind of ['review-', 'reply-', 'support-']) assert.ok(TINY_EVAL_PROMPTS.some((p) => p.id.startsWith(kind)), kind);
  assert.deepEqual(evalWorld('tiny', URL)!.prompts, TINY_EVAL_PROMPTS);
});

test('--world demo and --world tabular are still there', () => {
  assert.equal(evalWorld('demo', URL)!.config.base.model, 'demo-base');
  assert.equal(evalWorld('tabular', URL)!.config.base.model, 'tabular-base');
});

test('no tiny world without the trained models: missing, or only the random-weight fixtures', () => {
  assert.equal(tinyEvalWorld(URL, null), null);
  const models = findDemoModels();
  assert.ok(models?.trained);
  assert.equal(tinyEvalWorld(URL, { ...models, trained: false }), null);
  assert.equal(tinyEvalWorld(URL, models)?.name, 'tiny');
});
