// Injected faults: 429 with Retry-After, 500, dropped connections, malformed JSON and delays, by seeded probability or every Nth request.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FaultInjector, parseFaults } from '../../src/server/faults';
import { post, serve } from './http';

const body = { model: 'demo-base', prompt: 'The food was', max_tokens: 2 };

describe('parseFaults', () => {
  test('reads probabilities, every-Nth triggers, delays, retryAfter and seed', () => {
    assert.deepEqual(parseFaults('429:0.1,500:@3,drop:0.05,malformed:0.05,delay=200:0.1,retryAfter=2,seed=1'), {
      '429': { p: 0.1 },
      '500': { every: 3 },
      drop: { p: 0.05 },
      malformed: { p: 0.05 },
      delay: { ms: 200, p: 0.1 },
      retryAfter: 2,
      seed: 1,
    });
  });
  test('rejects unknown parts and probabilities outside [0, 1]', () => {
    assert.throws(() => parseFaults('404:0.1'), /404:0.1/);
    assert.throws(() => parseFaults('429:1.5'), /probability/);
  });
  test('a seed fixes the sequence of faults; the observed rate is near p', () => {
    const run = (seed: number) => {
      const f = new FaultInjector(parseFaults(`500:0.2,seed=${seed}`));
      return Array.from({ length: 2000 }, () => f.next().kind);
    };
    assert.deepEqual(run(4), run(4));
    assert.notDeepEqual(run(4), run(5));
    // 2000 Bernoulli(0.2) draws: sd = √(2000·0.2·0.8) ≈ 18; ±90 is 5 sd.
    const n = run(4).filter((k) => k === '500').length;
    assert.ok(Math.abs(n - 400) < 90, `${n} faults`);
  });
});

describe('faults over HTTP', () => {
  test('429 carries Retry-After and the dialect\'s error shape', async () => {
    const server = await serve({ faults: '429:@1,retryAfter=3' });
    try {
      const r = await post(server, '/v1/completions', body);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '3');
      assert.equal(r.body.error.code, 429);
      assert.equal(server.stats().faults['429'], 1);
    } finally {
      await server.close();
    }
  });

  test('500 on every 2nd request: the others succeed', async () => {
    const server = await serve({ faults: '500:@2' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await post(server, '/v1/completions', body)).status);
      assert.deepEqual(statuses, [200, 500, 200, 500, 200, 500]);
    } finally {
      await server.close();
    }
  });

  test('drop destroys the connection mid-request: the client sees a network error', async () => {
    const server = await serve({ faults: 'drop:@1' });
    try {
      await assert.rejects(post(server, '/v1/completions', body), (e: Error) => e instanceof TypeError || /fetch failed|socket|terminated/i.test(String(e)));
      assert.equal(server.stats().faults.drop, 1);
    } finally {
      await server.close();
    }
  });

  test('malformed answers 200 with a truncated JSON body', async () => {
    const server = await serve({ faults: 'malformed:@1' });
    try {
      const r = await fetch(server.url + '/v1/completions', { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.throws(() => JSON.parse(text));
    } finally {
      await server.close();
    }
  });

  test('delay holds a request, then it is answered (or faulted) as usual; GET /v1/models is never faulted', async () => {
    const server = await serve({ faults: 'delay=30:@1,500:@2' });
    try {
      assert.equal((await fetch(server.url + '/v1/models')).status, 200);
      assert.equal((await post(server, '/v1/completions', body)).status, 200);
      assert.equal((await post(server, '/v1/completions', body)).status, 500);
      assert.deepEqual([server.stats().faults.delay, server.stats().faults['500']], [2, 1]);
    } finally {
      await server.close();
    }
  });

  test('seeded probabilistic faults produce every kind, reproducibly across servers', { timeout: 60_000 }, async () => {
    const spec = '429:0.15,500:0.15,drop:0.15,malformed:0.15,seed=3';
    const outcomes = async () => {
      const server = await serve({ faults: spec });
      const seen: string[] = [];
      try {
        for (let i = 0; i < 40; i++) {
          try {
            const r = await fetch(server.url + '/v1/completions', { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
            const text = await r.text();
            let ok = true;
            try {
              JSON.parse(text);
            } catch {
              ok = false;
            }
            seen.push(ok ? String(r.status) : 'malformed');
          } catch {
            seen.push('drop');
          }
        }
      } finally {
        await server.close();
      }
      return seen;
    };
    const a = await outcomes();
    assert.deepEqual(a, await outcomes());
    for (const kind of ['200', '429', '500', 'drop', 'malformed']) assert.ok(a.includes(kind), `${kind} never happened in ${a.join(' ')}`);
  });
});
