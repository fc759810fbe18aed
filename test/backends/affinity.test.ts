// Replica affinity: a prompt's requests stay on the replica that served its prefix (its prefix cache), new prompts
// and full replicas go by load. Over real HTTP (two stub replicas), and through HttpLanguageModel on the reference server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AffinityTable, prefixKeys } from '../../src/backends/affinity';
import { DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel } from '../../src/backends/index';
import { ModelEndpoint } from '../../src/config/schema';
import { startServer } from '../../src/server/index';
import { stubServer } from './stubServer';

test('prefix keys: a longer prompt shares the keys of its prefix at 4, 8, 16, … tokens; another prompt shares none', () => {
  const p = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const k = prefixKeys(p);
  assert.equal(k.length, 3); // 4, 8 and the whole (9)
  assert.deepEqual(prefixKeys([...p, 14]).slice(0, 2), k.slice(0, 2));
  assert.equal(prefixKeys([1, 6, 7, 8, 9]).some((x) => k.includes(x)), false);
  assert.deepEqual(prefixKeys('abcd'), prefixKeys('abcd'));
  const t = new AffinityTable<string>(3);
  t.record(['a', 'b'], 'r1');
  t.record(['c'], 'r2');
  assert.equal(t.lookup(['a', 'b', 'x']), 'r1');
  t.record(['d', 'e'], 'r3'); // capacity 3: the oldest keys go
  assert.equal(t.lookup(['a']), undefined);
  assert.equal(t.lookup(['c', 'e']), 'r3', 'the longest key wins');
});

test('affinity over HTTP: requests with a seen prefix go to its replica; a full replica falls back on load; least-outstanding ignores keys', { timeout: 20_000 }, async () => {
  let release: () => void = () => undefined;
  let hold = false;
  const gate = () => (hold ? new Promise<void>((ok) => (release = ok)) : Promise.resolve());
  const a = await stubServer(async () => ((await gate()), { body: { ok: 'a' } }));
  const b = await stubServer(async () => ((await gate()), { body: { ok: 'b' } }));
  try {
    const ep = (routing?: 'least-outstanding') => new Endpoint({ role: 'base', baseUrls: [`${a.url}/v1`, `${b.url}/v1`], timeoutMs: 5_000, maxConcurrency: 1, settingPrefix: 'tqstar.base', routing });
    const e = ep();
    const p1 = prefixKeys([1, 2, 3, 4, 5]);
    const p2 = prefixKeys([9, 8, 7, 6, 5]);
    const first = await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p1 });
    // Sequential requests: least-outstanding would take the first replica every time (both idle); affinity keeps p1's.
    for (let i = 0; i < 4; i++) assert.equal((await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: prefixKeys([1, 2, 3, 4, 5, 6 + i]) })).ok, first.ok);
    // A new prompt while p1's replica is busy goes to the other one, and stays there.
    hold = true;
    const busy = e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p1 });
    await new Promise((ok) => setTimeout(ok, 50));
    hold = false;
    const second = await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p2 });
    assert.notEqual(second.ok, first.ok);
    release();
    await busy;
    assert.equal((await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p2 })).ok, second.ok);
    // p1 while its replica is full (maxConcurrency 1): falls back to the other one (load), and the prefix now points there.
    hold = true;
    const blocker = e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: prefixKeys([1, 2, 3, 4, 5, 99]) });
    await new Promise((ok) => setTimeout(ok, 50));
    hold = false;
    assert.equal((await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p1 })).ok, second.ok, 'fell back to the replica with room');
    release();
    assert.equal((await blocker).ok, first.ok);
    assert.equal((await e.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: p1 })).ok, second.ok, 'the prefix follows the replica that took it');
    const lo = ep('least-outstanding');
    const got = new Set<string>();
    for (let i = 0; i < 4; i++) got.add((await lo.request<{ ok: string }>({ v1: '/x' }, {}, { affinity: i % 2 ? p1 : p2 })).ok);
    assert.deepEqual([...got], ['a'], 'least-outstanding: idle replicas, the first one every time');
  } finally {
    await a.close();
    await b.close();
  }
});

test('HttpLanguageModel: one prompt\'s calls stick to one of four replicas (its prefix cache), and the servers compute each prefix once', { timeout: 60_000 }, async () => {
  const servers = await Promise.all([0, 1, 2, 3].map(() => startServer({ port: 0, quiet: true })));
  try {
    const run = async (routing?: 'least-outstanding') => {
      const ep = new Endpoint({ role: 'base', baseUrls: servers.map((s) => `${s.url}/v1`), timeoutMs: 10_000, maxConcurrency: 4, settingPrefix: 'tqstar.base', routing });
      const m = new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: servers.map((s) => `${s.url}/v1`), model: 'demo-base', dialect: 'vllm' }), DIALECT_CAPABILITIES.vllm);
      const before = servers.map((s) => s.stats().engines['demo-base']?.prefillTokens ?? 0);
      let prompt = await m.encode('The food at the restaurant on the corner was');
      for (let step = 0; step < 6; step++) {
        const [[c]] = await m.sample({ prompts: [prompt], n: 1, temperature: 0, maxTokens: 1 });
        prompt = [...prompt, c!.tokens[0]!.id];
      }
      return servers.map((s, i) => (s.stats().engines['demo-base']?.prefillTokens ?? 0) - before[i]!);
    };
    const sticky = await run();
    assert.equal(sticky.filter((x) => x > 0).length, 1, `one replica did the work: ${sticky}`);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});
