// Base-URL normalisation: every way users paste a server address names the same endpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openaiBaseUrl, serverRoot } from '../../src/backends/url';
import { TqError } from '../../src/core/errors';

test('pasted base URLs normalise to one OpenAI base (…/v1) and one server root', () => {
  const cases: Array<[string, string]> = [
    ['http://host:8000', 'http://host:8000'],
    ['http://host:8000/', 'http://host:8000'],
    ['http://host:8000/v1', 'http://host:8000'],
    ['http://host:8000/v1/', 'http://host:8000'],
    ['http://host:8000/v1/v1', 'http://host:8000'],
    ['http://host:8000/v1/completions', 'http://host:8000'],
    ['http://host:8000/v1/chat/completions', 'http://host:8000'],
    ['http://host:8000/completion', 'http://host:8000'],
    ['https://gw.example/proxy/llm/v1//', 'https://gw.example/proxy/llm'],
    ['http://host:8000/pooling', 'http://host:8000'],
  ];
  for (const [pasted, root] of cases) {
    assert.equal(serverRoot(pasted), root, pasted);
    assert.equal(openaiBaseUrl(pasted), `${root}/v1`, pasted);
  }
});

test('a non-URL is a config error naming the setting', () => {
  assert.throws(
    () => openaiBaseUrl('localhost:8000', 'tqstar.base.baseUrl'),
    (e: unknown) => e instanceof TqError && e.kind === 'config' && e.setting === 'tqstar.base.baseUrl' && e.message.includes('localhost:8000'),
  );
});
