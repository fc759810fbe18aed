// Prompt-logprob requests (echo, prompt_logprobs) pay their whole prefill: vLLM skips reading the prefix cache for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWordDemo } from '../../src/models/wordDemo';
import { completions, serve } from './http';

const demo = buildWordDemo();

test('a repeated prompt is served from the prefix cache, unless the request asks for prompt logprobs (skip_reading_prefix_cache)', { timeout: 20_000 }, async () => {
  const server = await serve({ latency: 'request=0,step=0,prefill=0' });
  try {
    const prompt = demo.tokenizer.encode('The food was great and the staff were kind, the room was clean and the view was lovely, thank you for the wonderful stay, we will come back again next summer with the whole family');
    assert.ok(prompt.length >= 33, `${prompt.length} tokens: at least two cache blocks`);
    const cached = () => server.stats().engines['demo-base']?.cachedTokens ?? 0;
    const prefilled = () => server.stats().engines['demo-base']?.prefillTokens ?? 0;
    const body = { model: 'demo-base', prompt, max_tokens: 1, temperature: 0, logprobs: 1 };
    await completions(server, body);
    const c0 = cached();
    await completions(server, body);
    assert.ok(cached() - c0 >= 32, 'the second plain request reads its prefix from the cache');
    for (const extra of [{ echo: true, max_tokens: 0 }, { prompt_logprobs: 0 }]) {
      const [c1, p1] = [cached(), prefilled()];
      assert.equal((await completions(server, { ...body, ...extra })).status, 200);
      assert.equal(cached() - c1, 0, `${JSON.stringify(extra)}: no cache read`);
      assert.equal(prefilled() - p1, prompt.length, 'the whole prompt is prefilled again');
    }
  } finally {
    await server.close();
  }
});
