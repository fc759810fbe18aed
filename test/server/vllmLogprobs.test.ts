// Log-probabilities over HTTP equal the in-process models' exact values, in vLLM's shapes and with its quirks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tabularSuite } from '../../src/models/inProcess';
import type { RunningServer, ServableModel } from '../../src/server/index';
import { completions, serve } from './http';

const suite = tabularSuite();
const { world } = suite;
const BOS = world.bosId;
const EOS = world.eosId;
const lnBase = (prefix: number[], z: number) => Math.log(suite.dists.base(prefix)[z]!);

/** Two ids share the text "x": the string-keyed top_logprobs must collide as in vLLM. */
const twins: ServableModel = {
  name: 'twins',
  vocab: ['x', 'x', 'y', '</s>'],
  eosId: 3,
  maxModelLen: 16,
  encode: (t) => [...t].map((c) => (c === 'y' ? 2 : 0)),
  decode: (ids) => ids.filter((i) => i !== 3).map((i) => ['x', 'x', 'y'][i]).join(''),
  tokenBytes: (id) => (id === 3 ? [] : [id === 2 ? 0x79 : 0x78]),
  nextLogprobs: () => Float64Array.from([0.4, 0.3, 0.2, 0.1], Math.log),
};

let server: RunningServer;
before(async () => (server = await serve({ models: [twins] })));
after(() => server.close());

describe('prompt_logprobs and echo', () => {
  const words = [0, 3, 1, 4];
  const prompt = [BOS, ...words];

  test('prompt_logprobs: first entry null, then the exact log π_base of each prompt token with its rank', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt, max_tokens: 1, prompt_logprobs: 2 });
    assert.equal(r.status, 200);
    const pl = r.body.choices[0].prompt_logprobs;
    assert.equal(pl.length, prompt.length);
    assert.equal(pl[0], null);
    // The BOS token carries no words: position i (i ≥ 1) is scored after words[0..i-2].
    for (let i = 1; i < prompt.length; i++) {
      const entry = pl[i][String(prompt[i])];
      const exact = lnBase(words.slice(0, i - 1), prompt[i]!);
      assert.ok(Math.abs(entry.logprob - exact) < 1e-12, `position ${i}: ${entry.logprob} vs ${exact}`);
      const dist = suite.dists.base(words.slice(0, i - 1));
      const rank = 1 + [...dist].filter((p) => p > dist[prompt[i]!]!).length;
      assert.equal(entry.rank, rank);
      assert.equal(entry.decoded_token, world.vocab[prompt[i]!]);
      // The actual token plus the top 2: two or three entries.
      assert.ok(Object.keys(pl[i]).length === 2 || Object.keys(pl[i]).length === 3);
    }
  });

  test('echo + logprobs + max_tokens 0 scores the prompt exactly (legacy shape, first null)', async () => {
    const r = await completions(server, { model: 'tabular-base', prompt, max_tokens: 0, echo: true, logprobs: 1 });
    const lp = r.body.choices[0].logprobs;
    assert.deepEqual(lp.tokens, prompt.map((id) => world.vocab[id]));
    assert.equal(lp.token_logprobs[0], null);
    assert.equal(lp.top_logprobs[0], null);
    for (let i = 1; i < prompt.length; i++) assert.ok(Math.abs(lp.token_logprobs[i] - lnBase(words.slice(0, i - 1), prompt[i]!)) < 1e-12);
    // text_offset counts code points of the token strings, from 0 with echo.
    let off = 0;
    lp.tokens.forEach((t: string, i: number) => {
      assert.equal(lp.text_offset[i], off);
      off += [...t].length;
    });
  });

  test('the sampled tokens\' logprobs are the raw model log-probabilities, whatever the temperature', async () => {
    const r = await completions(server, { model: 'tabular-rho-r', prompt: [BOS, 2], max_tokens: 6, n: 8, temperature: 0.7, seed: 11, logprobs: 3 });
    for (const c of r.body.choices) {
      const lp = c.logprobs;
      const seq = [2];
      lp.tokens.forEach((t: string, i: number) => {
        const id = world.vocab.indexOf(t);
        const exact = Math.log(suite.dists.rhoStarR(seq)[id]!);
        assert.ok(Math.abs(lp.token_logprobs[i] - exact) < 1e-12);
        if (id !== EOS) seq.push(id);
      });
    }
  });
});

describe('legacy top_logprobs quirks', () => {
  test('k entries when the sampled token is in the top k, k+1 when it is not (the sampled token is added)', async () => {
    // Sample at a high temperature so that some draws fall outside the top 1.
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS], max_tokens: 1, n: 200, temperature: 3, seed: 2, logprobs: 1 });
    const sizes = new Set<number>();
    const top1 = world.vocab[[...suite.dists.base([])].reduce((b, p, i, a) => (p > a[b]! ? i : b), 0)];
    for (const c of r.body.choices) {
      const entries = Object.keys(c.logprobs.top_logprobs[0]);
      sizes.add(entries.length);
      assert.equal(entries.length, c.logprobs.tokens[0] === top1 ? 1 : 2);
      assert.ok(entries.includes(top1!));
    }
    assert.deepEqual([...sizes].sort(), [1, 2]);
  });

  test('distinct ids with the same text collide in top_logprobs (fewer entries, the later value wins)', async () => {
    const r = await completions(server, { model: 'twins', prompt: 'y', max_tokens: 1, temperature: 0, logprobs: 3 });
    const c = r.body.choices[0];
    assert.equal(c.logprobs.tokens[0], 'x');
    // Ids 0 ("x", 0.4), 1 ("x", 0.3), 2 ("y", 0.2): three ids, two keys, and "x" holds id 1's value.
    assert.deepEqual(Object.keys(c.logprobs.top_logprobs[0]).sort(), ['x', 'y']);
    assert.ok(Math.abs(c.logprobs.top_logprobs[0].x - Math.log(0.3)) < 1e-12);
    assert.ok(Math.abs(c.logprobs.token_logprobs[0] - Math.log(0.4)) < 1e-12);
  });

  test('return_tokens_as_token_ids makes tokens and keys "token_id:N", so nothing collides', async () => {
    const r = await completions(server, { model: 'twins', prompt: 'y', max_tokens: 1, temperature: 0, logprobs: 3, return_tokens_as_token_ids: true });
    const c = r.body.choices[0];
    assert.deepEqual(c.logprobs.tokens, ['token_id:0']);
    assert.deepEqual(Object.keys(c.logprobs.top_logprobs[0]).sort(), ['token_id:0', 'token_id:1', 'token_id:2']);
  });

  test('impossible tokens are clamped to −9999 (valid JSON), as vLLM does', async () => {
    // At the maximum length L only EOS is possible.
    const r = await completions(server, { model: 'tabular-base', prompt: [BOS, 0, 0, 0, 0, 0], max_tokens: 1, logprobs: 3, temperature: 0 });
    const top = r.body.choices[0].logprobs.top_logprobs[0];
    assert.equal(top['</s>'], 0);
    assert.ok(Object.entries(top).filter(([k]) => k !== '</s>').every(([, v]) => v === -9999));
  });
});
