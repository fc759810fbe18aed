// SampleRequest.topLogprobsPositions over real HTTP: the first P lists as before, later ones lazily, never with a guessed text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel } from '../../src/backends/index';
import { ModelEndpoint } from '../../src/config/schema';
import type { Completion, SampleRequest, TokenLogprob } from '../../src/core/model';
import { startServer } from '../../src/server/index';

function model(url: string) {
  const ep = new Endpoint({ role: 'baseline', baseUrls: [`${url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.baseline' });
  return new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${url}/v1`, model: 'demo-aligned', dialect: 'vllm' }), DIALECT_CAPABILITIES.vllm);
}

const plain = (l: TokenLogprob[] | undefined) => l?.map((t) => ({ id: t.id, text: t.text, logprob: t.logprob }));
const topAt = (c: Completion, i: number) => (i < c.tokens.length ? c.tokens[i]!.top : i === c.tokens.length ? c.eosTop : undefined);

describe('topLogprobsPositions', { timeout: 30_000 }, () => {
  test('same samples; lists read before their texts are known are unset or exact, and exact once they are known', async () => {
    // A fresh server: its port makes a fresh token-text cache, so later positions' texts are unknown at first.
    const server = await startServer({ port: 0, quiet: true });
    try {
      const m = model(server.url);
      const ids = await m.encode('The service was');
      const req: SampleRequest = { prompts: [ids, [...ids, ids[ids.length - 1]!]], n: 4, temperature: 1, maxTokens: 10, seed: 11, topLogprobs: 3 };
      const bounded = await m.sample({ ...req, topLogprobsPositions: 1 });
      // Read some later lists now, while their texts may be unknown: each is either unset or right (checked below).
      const early = bounded.flat().map((c) => plain(topAt(c, 2)));
      const full = await m.sample(req); // resolves every text of every list
      assert.deepEqual(
        bounded.map((r) => r.map((c) => [c.text, c.finish, c.tokens.map((t) => [t.id, t.text, t.logprob])])),
        full.map((r) => r.map((c) => [c.text, c.finish, c.tokens.map((t) => [t.id, t.text, t.logprob])])),
        'the samples themselves do not change',
      );
      let checked = 0;
      bounded.flat().forEach((c, j) => {
        const f = full.flat()[j]!;
        if (early[j] !== undefined) assert.deepEqual(early[j], plain(topAt(f, 2)), 'a list read early has the server’s texts');
        for (let i = 0; i <= c.tokens.length; i++) {
          if (i === 2) continue;
          const want = topAt(f, i);
          if (!want) continue;
          // Read only now, after every text is known: present and equal, at the first position and beyond it.
          assert.deepEqual(plain(topAt(c, i)), plain(want), `position ${i}`);
          checked++;
        }
      });
      assert.ok(checked >= 8, `lists compared: ${checked}`);
    } finally {
      await server.close();
    }
  });

  test('without it every list comes back resolved, as before', async () => {
    const server = await startServer({ port: 0, quiet: true });
    try {
      const m = model(server.url);
      const ids = await m.encode('The food was');
      const [[c]] = await m.sample({ prompts: [ids], n: 1, temperature: 1, maxTokens: 6, seed: 2, topLogprobs: 3 });
      assert.ok(c!.tokens.every((t) => t.top && t.top.length === 3 && t.top.every((x) => !x.text.startsWith('‹'))));
    } finally {
      await server.close();
    }
  });
});
