// The webview shell: a nonce CSP with no inline script, and only the bundled script and stylesheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { makeNonce, webviewHtml } from '../../src/extension/webviewHtml';

test('the CSP allows only the nonce script and the webview resource origin', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
  assert.notEqual(makeNonce(), nonce);
  const html = webviewHtml({ cspSource: 'https://res.vscode-cdn.net', scriptUri: 'https://res.vscode-cdn.net/media/dist/panel.js', styleUri: 'https://res.vscode-cdn.net/media/dist/panel.css', nonce, title: 'Transfer Q* Results' });
  const doc = new JSDOM(html).window.document;
  const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')!;
  assert.equal(csp, `default-src 'none'; img-src https://res.vscode-cdn.net; style-src https://res.vscode-cdn.net; script-src 'nonce-${nonce}';`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const scripts = [...doc.querySelectorAll('script')];
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0]!.getAttribute('nonce'), nonce);
  assert.equal(scripts[0]!.textContent, '', 'no inline script');
  assert.equal(doc.title, 'Transfer Q* Results');
});
