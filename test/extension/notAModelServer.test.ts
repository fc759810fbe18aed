// A URL that is not a model server (it answers 405 to the completion POST) gives an error that names the setting holding the URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Endpoint } from '../../src/backends/endpoint';
import { TqError } from '../../src/core/errors';
import { RunConfig } from '../../src/config/schema';
import { explainNotAModelServer } from '../../src/extension/modelCheck';

test('HTTP 405 from a non-model server names tqstar.<role>.baseUrl and says what the URL should be', { timeout: 30_000 }, async () => {
  // A web server that only serves pages, as a wrong URL often is.
  const srv = createServer((req, res) => { res.writeHead(req.method === 'GET' ? 200 : 405, { 'content-type': 'text/plain' }); res.end(req.method === 'GET' ? 'hello' : 'Unsupported method POST'); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    // The same error the run gets: a completion request through the backend's endpoint, over real HTTP.
    const ep = new Endpoint({ role: 'baseline', baseUrls: [url], timeoutMs: 5_000, maxConcurrency: 1, settingPrefix: 'tqstar.baseline' });
    const e = await ep.request({ v1: '/completions' }, { model: 'm', prompt: 'x' }).then(() => null, (x: unknown) => x);
    assert.ok(e instanceof TqError);
    const before = e.toInfo();
    assert.equal(before.setting, undefined, 'the backend error alone names no setting');
    const config = RunConfig.parse({ base: { baseUrl: 'http://127.0.0.1:9/v1', model: 'a' }, baseline: { baseUrl: url, model: 'm' }, reward: { kind: 'builtin', name: 'length', target: 10 } });
    const after = explainNotAModelServer(before, config);
    assert.equal(after.setting, 'tqstar.baseline.baseUrl');
    assert.match(after.message, /HTTP 405.*not look like an OpenAI-compatible model server.*check tqstar\.baseline\.baseUrl/);
    // Other errors pass through unchanged.
    const other = { kind: 'http', message: `${url}/v1/completions answered HTTP 500: boom`, url };
    assert.deepEqual(explainNotAModelServer(other, config), other);
  } finally {
    srv.close();
  }
});
