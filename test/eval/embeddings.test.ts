// The reference server's DEMO /v1/embeddings (OpenAI shape) and the eval's embedding client, over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { httpEmbedder } from '../../src/eval/clients';
import { cosine } from '../../src/eval/metrics';
import { DEMO_EMBEDDING_MODEL } from '../../src/server/embeddings';
import type { RunningServer } from '../../src/server/index';
import { post, serve } from '../server/http';

let server: RunningServer;
before(async () => {
  server = await serve();
});
after(() => server.close());

test('/v1/embeddings: one unit vector per input in order, usage, errors for bad input and unknown models', async () => {
  const r = await post(server, '/v1/embeddings', { model: DEMO_EMBEDDING_MODEL, input: ['The food was great', 'great food', ''] });
  assert.equal(r.status, 200);
  assert.equal(r.body.object, 'list');
  assert.equal(r.body.data.length, 3);
  assert.deepEqual(r.body.data.map((d: { index: number }) => d.index), [0, 1, 2]);
  const [a, b, c] = r.body.data.map((d: { embedding: number[] }) => d.embedding);
  assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-12);
  assert.ok(c.every((x: number) => x === 0), 'no words, zero vector');
  assert.equal(r.body.usage.prompt_tokens, 6);
  // "great" and "food" are shared: 2 of the 4 words of a, both of b → cosine 2/(2·√2) when the hashes do not collide.
  const cos = cosine(a, b)!;
  assert.ok(cos > 0.5 && cos <= 1, `cosine ${cos}`);
  assert.equal((await post(server, '/v1/embeddings', { input: [1, 2] })).status, 400);
  assert.equal((await post(server, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'x' })).status, 404);
});

test('httpEmbedder: prompt and answer embedded in one request; identical texts have cosine 1, disjoint ones about 0', async () => {
  const e = httpEmbedder(`${server.url}/v1`, DEMO_EMBEDDING_MODEL);
  const before = server.stats().byPath['/v1/embeddings'] ?? 0;
  const [a, b, c] = await e.embed(['thank you so much', 'thank you so much', 'zebra quantum']);
  assert.equal((server.stats().byPath['/v1/embeddings'] ?? 0) - before, 1);
  assert.ok(Math.abs(cosine(a!, b!)! - 1) < 1e-12);
  assert.ok(Math.abs(cosine(a!, c!)!) < 0.5);
  await assert.rejects(httpEmbedder(`${server.url}/v1`, 'nope').embed(['x']), /404|does not exist/);
});
