// vLLM's logprob_token_ids on the reference server: the listed ids' raw log-probabilities beside the sampled token, vLLM's checks, the prefix cache read, and the older-vLLM emulation that ignores it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildWordDemo } from '../../src/models/wordDemo';
import type { RunningServer } from '../../src/server/index';
import { completions, serve } from './http';

const demo = buildWordDemo();
const prompt = demo.tokenizer.encode('The food was great and the staff were kind, the room was clean and the view was lovely, thank you for the wonderful stay');
const V = demo.base.vocab.length;
// Ids spread over the vocabulary, most far outside the natural top-k.
const listed = [3, 17, V - 1, 42, 7, 250 % V];
const key = (id: number) => `token_id:${id}`;

describe('logprob_token_ids (vLLM dialect)', { timeout: 30_000 }, () => {
  let server: RunningServer;
  before(async () => (server = await serve({ latency: 'request=0,step=0,prefill=0' })));
  after(() => server.close());

  test('the answer lists the sampled token first, then exactly the listed ids, with the raw log-probabilities after the prompt', async () => {
    const r = await completions(server, { model: 'demo-base', prompt, max_tokens: 1, temperature: 0, logprobs: 1, logprob_token_ids: listed, return_tokens_as_token_ids: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const lp = r.body.choices[0].logprobs;
    assert.equal(lp.top_logprobs.length, 1);
    const dict = lp.top_logprobs[0] as Record<string, number>;
    const exact = demo.base.nextLogprobs(prompt);
    const sampled = lp.tokens[0] as string;
    assert.equal(Object.keys(dict)[0], sampled, 'the sampled token comes first');
    assert.deepEqual(new Set(Object.keys(dict)), new Set([sampled, ...listed.map(key)]), 'no natural top-k beside the listed ids');
    for (const id of listed) assert.equal(dict[key(id)], Math.max(-9999, exact[id]!), `id ${id}`);
    // The same numbers as echo's prompt log-probabilities of each id appended to the prompt.
    const echo = await completions(server, { model: 'demo-base', prompt: listed.map((id) => [...prompt, id]), max_tokens: 0, echo: true, logprobs: 0, return_tokens_as_token_ids: true });
    listed.forEach((id, i) => assert.equal(echo.body.choices[i].logprobs.token_logprobs[prompt.length], dict[key(id)], `echo of ${id}`));
  });

  test("vLLM's checks: a list of in-vocabulary ids, at most 128, logprobs set, a generated position", async () => {
    const body = { model: 'demo-base', prompt, max_tokens: 1, temperature: 0, logprobs: 1 };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ logprob_token_ids: [] }, /must not be an empty list/],
      [{ logprob_token_ids: 'abc' }, /valid list/],
      [{ logprob_token_ids: [1.5] }, /valid list/],
      [{ logprob_token_ids: [V] }, /out-of-vocab/],
      [{ logprob_token_ids: [-1] }, /out-of-vocab/],
      [{ logprob_token_ids: Array.from({ length: 129 }, (_, i) => i) }, /greater than max allowed: 128/],
      [{ logprob_token_ids: [1], logprobs: undefined }, /`logprobs` must be set/],
      [{ logprob_token_ids: [1], echo: true, max_tokens: 0 }, /not supported when `echo=True` and `max_tokens=0`/],
    ];
    for (const [extra, want] of cases) {
      const r = await completions(server, { ...body, ...extra });
      assert.equal(r.status, 400, JSON.stringify(extra));
      assert.match(r.body.error.message, want);
      assert.equal(r.body.error.param, 'logprob_token_ids');
    }
    assert.equal((await completions(server, { ...body, logprob_token_ids: Array.from({ length: 128 }, (_, i) => i) })).status, 200, '128 ids are allowed');
  });

  test('an ordinary generation request for the latency model: the prefix cache is read (echo would skip it)', async () => {
    const cached = () => server.stats().engines['demo-base']?.cachedTokens ?? 0;
    const body = { model: 'demo-base', prompt, max_tokens: 1, temperature: 0, logprobs: 1, logprob_token_ids: listed };
    await completions(server, body);
    const c0 = cached();
    await completions(server, body);
    // Whole 16-token blocks, and never the last prompt token (its logits are computed).
    const blocks = Math.floor((prompt.length - 1) / 16) * 16;
    assert.ok(blocks >= 16);
    assert.equal(cached() - c0, blocks, 'the prompt is read from the cache');
  });
});

test('logprobTokenIds "ignore" answers as an older vLLM: the field is dropped and the natural top-k comes back', { timeout: 20_000 }, async () => {
  const server = await serve({ logprobTokenIds: 'ignore' });
  try {
    const r = await completions(server, { model: 'demo-base', prompt, max_tokens: 1, temperature: 0, logprobs: 1, logprob_token_ids: listed, return_tokens_as_token_ids: true });
    assert.equal(r.status, 200);
    const dict = r.body.choices[0].logprobs.top_logprobs[0] as Record<string, number>;
    assert.ok(Object.keys(dict).length <= 2, 'top-1 and the sampled token');
    assert.ok(listed.some((id) => !(key(id) in dict)));
    // Even its checks do not run: the field is unknown to it.
    assert.equal((await completions(server, { model: 'demo-base', prompt, max_tokens: 1, logprobs: 1, logprob_token_ids: [] })).status, 200);
  } finally {
    await server.close();
  }
});
