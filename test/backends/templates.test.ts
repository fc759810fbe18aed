// Prompt templates per model role and the reward model's (prompt, response) template.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPromptTemplate, applyRewardTemplate, splitRewardTemplate, templateHasBos } from '../../src/backends/templates';

test('presets wrap the prompt in the chat format of each model family', () => {
  assert.equal(applyPromptTemplate('raw', 'Hi'), 'Hi');
  assert.equal(applyPromptTemplate('chatml', 'Hi'), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  assert.match(applyPromptTemplate('llama3', 'Hi'), /^<\|begin_of_text\|><\|start_header_id\|>user<\|end_header_id\|>\n\nHi<\|eot_id\|>.*assistant<\|end_header_id\|>\n\n$/s);
  assert.equal(applyPromptTemplate('mistral', 'Hi'), '<s>[INST] Hi [/INST]');
  assert.equal(applyPromptTemplate('zephyr', 'Hi'), '<|user|>\nHi</s>\n<|assistant|>\n');
  assert.equal(applyPromptTemplate('Q: {prompt}\nA:', 'Hi'), 'Q: Hi\nA:');
  // A "$&" in user text is data, not a replacement pattern.
  assert.equal(applyPromptTemplate('Q: {prompt}', 'a $& b'), 'Q: a $& b');
});

test('templates that write BOS themselves make the tokenizer skip its own', () => {
  assert.equal(templateHasBos('llama3'), true);
  assert.equal(templateHasBos('mistral'), true);
  assert.equal(templateHasBos('raw'), false);
  assert.equal(templateHasBos('chatml'), false);
});

test('reward template: raw concatenates; a prompt containing "{response}" is not substituted twice', () => {
  assert.equal(applyRewardTemplate(undefined, 'P', ' R'), 'P R');
  assert.equal(applyRewardTemplate('chatml', 'P', 'R'), '<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\nR<|im_end|>\n');
  assert.equal(applyRewardTemplate('[{prompt}] => [{response}]', 'say {response}', 'ok'), '[say {response}] => [ok]');
  assert.equal(applyRewardTemplate('Q: {prompt} A: ', 'P', 'R'), 'Q: P A: R');
});

test('cross-encoder split: the template cut at {response}; query + document is the reward text, for every preset', () => {
  assert.deepEqual(splitRewardTemplate(undefined, 'P', ' R'), { query: 'P', document: ' R' });
  assert.deepEqual(splitRewardTemplate('zephyr', 'P', 'R'), { query: '<|user|>\nP</s>\n<|assistant|>\n', document: 'R</s>\n' });
  assert.deepEqual(splitRewardTemplate('Q: {prompt} A: ', 'P', 'R'), { query: 'Q: P A: ', document: 'R' });
  assert.deepEqual(splitRewardTemplate('[{prompt}] => [{response}]', 'say {response}', '$& ok'), { query: '[say {response}] => [', document: '$& ok]' });
  for (const t of ['raw', 'chatml', 'llama3', 'mistral', 'zephyr', '<{prompt}|{response}|{prompt}>'] as const) {
    const { query, document } = splitRewardTemplate(t, 'the prompt', 'the response');
    assert.equal(query + document, applyRewardTemplate(t, 'the prompt', 'the response'), t);
  }
});
