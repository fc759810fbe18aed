// Every HTTP request the product sends counts: maxRequests bounds /tokenize and /detokenize too, and the reported
// total includes the setup requests (capability probe, tokenizer, /props, EOS sample). Over real HTTP (the reference server).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, loadRunConfig, type RequestLogLine } from '../../src/backends/index';
import { runStrategies } from '../../src/core/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

const modelLines = (lines: RequestLogLine[]) => lines.filter((l) => l.role === 'base' || l.role === 'baseline');

test('maxRequests 3 bounds every HTTP request of the run, /tokenize and /detokenize included', { timeout: 60_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const lines: RequestLogLine[] = [];
    const cfg = loadRunConfig({ ...demoRunConfig(server.url), decoding: { topK: 4, rollouts: 2, horizon: 4, maxTokens: 3, budget: { maxRequests: 3 } } });
    const built = await buildEnv(cfg, { log: (l) => lines.push(l) });
    const before = lines.length;
    const run = await runStrategies(['tqstar'], { text: 'The food was' }, built.env, cfg.decoding);
    await built.dispose();
    const sent = lines.length - before;
    assert.equal(run.results[0]!.error?.kind, 'budget');
    // 3, and the one request the README allows past the limit: the reward of the partial answer.
    assert.ok(sent <= 3 + 1, `the run sent ${sent} HTTP requests under maxRequests 3: ${lines.slice(before).map((l) => l.url).join(', ')}`);
    assert.ok(lines.slice(before).filter((l) => l.role !== 'reward').length <= 3);
    assert.equal(run.stats.requests, sent, 'the run counts exactly the requests it sent');
    assert.ok(lines.slice(before).some((l) => /tokenize/.test(l.url)), 'the tokenizer request is among those counted');
  } finally {
    await server.close();
  }
});

test('dialect auto against two llama.cpp-shaped servers: the reported total is every HTTP request sent (probe, /tokenize, /props included)', { timeout: 60_000 }, async () => {
  const a = await startServer({ port: 0, quiet: true, dialect: 'llamacpp' });
  const b = await startServer({ port: 0, quiet: true, dialect: 'llamacpp' });
  try {
    const lines: RequestLogLine[] = [];
    const demo = demoRunConfig(a.url);
    const cfg = loadRunConfig({
      ...demo,
      base: { baseUrl: `${a.url}/v1`, model: 'demo-base', dialect: 'auto' },
      baseline: { baseUrl: `${b.url}/v1`, model: 'demo-aligned', dialect: 'auto' },
      decoding: { topK: 4, rollouts: 2, horizon: 3, maxTokens: 3, proposer: 'base' },
    });
    const built = await buildEnv(cfg, { log: (l) => lines.push(l) });
    const run = await runStrategies(['tqstar'], { text: 'The food was' }, built.env, cfg.decoding);
    await built.dispose();
    assert.equal(run.results[0]!.error, undefined, run.results[0]!.error?.message);
    assert.ok(built.setupRequests > 0, 'the probe sent requests');
    assert.ok(modelLines(lines).length > run.stats.requests, 'the probe and EOS requests are outside the run');
    assert.equal(built.setupRequests + run.stats.requests, lines.length, 'setup + run = every HTTP request sent');
  } finally {
    await a.close();
    await b.close();
  }
});
