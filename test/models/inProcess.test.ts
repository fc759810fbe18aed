// The in-process LanguageModel and RewardSource honour the batched interfaces of src/core/model.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabularSuite } from '../../src/models/inProcess';

const suite = tabularSuite();
const { base, world } = suite;
const BOS = world.bosId;

test('nextTokens: top-k by probability with exact log-probabilities; BOS is ignored', async () => {
  const [top] = await base.nextTokens([[BOS, 0]], 3);
  const d = suite.dists.base([0]);
  assert.equal(top.length, 3);
  for (const t of top) assert.equal(t.logprob, Math.log(d[t.id]));
  assert.ok(top[0].logprob >= top[1].logprob && top[1].logprob >= top[2].logprob);
  assert.deepEqual(await base.encode('b x a'), [BOS, 1, 0], 'unknown prompt words are ignored');
});

test('sample: first-token frequencies pass a chi-square test; n, maxTokens, stop, seed and topLogprobs honoured', async () => {
  const n = 4000;
  const [samples] = await base.sample({ prompts: [[BOS]], n, temperature: 1, maxTokens: 10, seed: 3 });
  assert.equal(samples.length, n);
  const d = suite.dists.base([]);
  const counts = new Array(d.length).fill(0);
  for (const c of samples) counts[c.tokens[0]?.id ?? world.eosId]++;
  let chi2 = 0;
  for (let z = 0; z < d.length; z++) chi2 += (counts[z] - n * d[z]) ** 2 / (n * d[z]);
  // 6 outcomes, df = 5: the 0.999 quantile of χ²₅ is 20.52.
  assert.ok(chi2 < 20.52, `χ² ${chi2}`);
  for (const c of samples) {
    assert.ok(c.tokens.length <= world.maxLength);
    assert.equal(c.text, c.tokens.map((t) => t.text).join(''));
    if (c.finish === 'eos') assert.equal(c.eosLogprob, Math.log(suite.dists.base(c.tokens.map((t) => t.id))[world.eosId]));
  }
  const again = await base.sample({ prompts: [[BOS]], n: 5, temperature: 1, maxTokens: 10, seed: 3 });
  assert.deepEqual(again[0], samples.slice(0, 5), 'same seed, same samples');
  const [[short]] = await base.sample({ prompts: [[BOS, 1]], n: 1, temperature: 0, maxTokens: 2, topLogprobs: 2 });
  assert.ok(short.tokens.length <= 2 && short.tokens.every((t) => t.top?.length === 2));
  const [[stopped]] = await suite.rhoStarR.sample({ prompts: [[BOS]], n: 1, temperature: 1, maxTokens: 10, seed: 1, stop: [' '] });
  assert.equal(stopped.text, '');
});

test('score: log-probabilities of given continuations and the next top-k', async () => {
  const [r] = await base.score({ items: [{ prompt: [BOS, 2], continuation: [1, 4] }], nextTopK: 2 });
  assert.equal(r.logprobs[0], Math.log(suite.dists.base([2])[1]));
  assert.equal(r.logprobs[1], Math.log(suite.dists.base([2, 1])[4]));
  assert.equal(r.next?.length, 2);
});

test('reward: r over the prompt words and the response; a word outside the vocabulary is an error, never 0', async () => {
  assert.deepEqual(await suite.reward.score([{ prompt: 'b', response: ' c d e' }]), [suite.rewardFn([1, 2, 3, 4])]);
  await assert.rejects(suite.reward.score([{ prompt: '', response: ' zebra' }]), (e: Error & { kind?: string }) => e.kind === 'reward');
});
