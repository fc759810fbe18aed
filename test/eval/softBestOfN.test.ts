// Soft Best-of-N over HTTP on the tabular models: selection probabilities softmax(r/λ), λ → 0 is Best-of-N, λ → ∞ uniform.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { decode, softmax } from '../../src/core/index';
import { tabularRunConfig } from '../../src/server/demoConfig';
import { startServer, type RunningServer } from '../../src/server/index';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

test('soft Best-of-N: N responses in one request, kept with probability softmax(r/λ); tiny λ keeps the best, huge λ is uniform', { timeout: 60_000 }, async () => {
  const cfg = loadRunConfig(tabularRunConfig(server.url));
  const { env } = await buildEnv(cfg);
  const kept = new Map<number, number>();
  for (const lambda of [0.5, 1e-6, 1e6]) {
    for (let seed = 0; seed < 12; seed++) {
      const before = { ...server.stats().byPath };
      const r = await decode('softbon', { text: '' }, env, { ...cfg.decoding, bestOfN: 6, selectionTemperature: lambda, seed });
      const sent = (path: string) => (server.stats().byPath[path] ?? 0) - (before[path] ?? 0);
      assert.equal(r.error, undefined);
      assert.equal(r.steps.length, 1);
      const cands = r.steps[0]!.candidates;
      assert.equal(cands.length, 6);
      const rewards = cands.map((c) => c.q!);
      const probs = softmax(rewards, lambda);
      cands.forEach((c, i) => assert.ok(Math.abs(c.selectProb - probs[i]!) < 1e-12));
      const k = cands.findIndex((c) => c.chosen);
      assert.ok(probs[k]! > 0);
      assert.equal(r.text, cands[k]!.text);
      assert.ok(Math.abs(r.reward! - rewards[k]!) < 1e-12, 'the kept response is the one scored');
      if (lambda === 1e-6) assert.equal(rewards[k], Math.max(...rewards));
      if (lambda === 1e6) for (const p of probs) assert.ok(Math.abs(p - 1 / 6) < 1e-5);
      if (lambda === 0.5) kept.set(k, (kept.get(k) ?? 0) + 1);
      // One sample request and one reward call for the N responses; the rest are tokenizer look-ups.
      assert.equal(sent('/v1/completions'), 1, 'the N responses come from one sample request');
      assert.equal(sent('/pooling'), 1, 'one reward call scores all N');
      const total = Object.keys(server.stats().byPath).reduce((n, p) => n + sent(p), 0);
      assert.equal(r.stats.requests, total, 'the reported count is the HTTP requests the server saw');
    }
  }
  assert.ok(kept.size > 1, 'at λ = 0.5 the kept index varies with the seed');
});
