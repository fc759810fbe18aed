// Server text in a notification: VS Code renders [label](command:…) and [label](https://…) there as live links, so none may survive; hidden characters become visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationText } from '../../src/extension/notificationText';

// VS Code's own link syntax in notifications (src/vs/base/common/linkedText.ts): [label](target "title").
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

test('link syntax from a server is made inert, the words stay readable', () => {
  const hostile = 'HTTP 400: [Open Settings](command:workbench.action.terminal.new) or see [docs](https://evil.example/x "t")';
  const out = notificationText(hostile);
  assert.equal(out.match(LINK), null);
  assert.match(out, /Open Settings/);
  assert.match(out, /https:\/\/evil\.example\/x/);
  // Nested and split forms cannot rebuild a link either.
  for (const s of ['[[a](command:x)](command:y)', '[a]\n(command:x)', '[a] (command:x)', '[a](command:x)']) assert.equal(notificationText(s).match(LINK), null, s);
});

test('bidi overrides, zero-width and control characters are shown as code points', () => {
  assert.equal(notificationText('model gnp\u202Eexe.png'), 'model gnp<U+202E>exe.png');
  assert.equal(notificationText('a\u200bb\u0007c\u001bd'), 'a<U+200B>b<U+0007>c<U+001B>d');
});

test('a very long server message is cut, pointing to the log', () => {
  const out = notificationText('x'.repeat(5000));
  assert.ok(out.length < 500);
  assert.match(out, /full text in the Transfer Q\* log\)$/);
});
