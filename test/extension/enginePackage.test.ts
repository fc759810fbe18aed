// The universal package (no local engine) says once which platform package to install or which servers to use, and Try the
// Demo still runs; under the FAKE vscode module (fakeVscode.ts), with the extension bundle built as dist/extension.js is.
import assert from 'node:assert/strict';
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NOTICE_SHOWN, noEngineNotice, noticeNoEngineOnce } from '../../src/extension/enginePackage';
import { createFakeVscode } from './fakeVscode';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** An installed universal package: the extension's folder with no node_modules. */
const universal = () => mkdtempSync(join(tmpdir(), 'tqstar-universal-'));

function host(fake: ReturnType<typeof createFakeVscode>) {
  return { globalState: fake.extContext.globalState, showInformationMessage: fake.vscode.window.showInformationMessage, executeCommand: fake.vscode.commands.executeCommand };
}

test('on a platform with a package: says once to install it (its file name) or to point baseUrl at a server', async () => {
  const fake = createFakeVscode({});
  const ext = universal();
  assert.equal(noticeNoEngineOnce(host(fake), ext, { platform: 'darwin', arch: 'arm64' }), true);
  assert.equal(noticeNoEngineOnce(host(fake), ext, { platform: 'darwin', arch: 'arm64' }), false);
  assert.equal(fake.shown.length, 1);
  const { level, message, actions } = fake.shown[0]!;
  assert.equal(level, 'info');
  assert.match(message, /no local llama\.cpp engine/);
  assert.match(message, /install the darwin-arm64 package of the extension \(tqstar-darwin-arm64\.vsix\)/);
  assert.match(message, /tqstar\.base\.baseUrl and tqstar\.baseline\.baseUrl to a llama-server, Ollama or vLLM server/);
  assert.deepEqual(actions, ['Open Model Settings']);
  assert.equal(fake.extContext.globalState.get(NOTICE_SHOWN), true);
});

test('on a platform without a package (32-bit ARM Linux, Alpine, 32-bit Windows): says why and names the servers, offers no package', () => {
  for (const [h, why] of [
    [{ platform: 'linux', arch: 'arm' }, /no local engine for linux-armhf \(the llama\.cpp prebuild for 32-bit ARM Linux is not usable/],
    [{ platform: 'linux', arch: 'x64', musl: true }, /no local engine for alpine-x64 \(the llama\.cpp prebuilds need glibc/],
    [{ platform: 'win32', arch: 'ia32' }, /no local engine for win32-ia32/],
  ] as const) {
    const text = noEngineNotice(universal(), h)!;
    assert.match(text, why);
    assert.match(text, /llama-server, Ollama or vLLM/);
    assert.doesNotMatch(text, /\.vsix/);
  }
});

test('an installation with its engine (this checkout, this machine) shows no notice', () => {
  const fake = createFakeVscode({});
  assert.equal(noEngineNotice(root), null);
  assert.equal(noticeNoEngineOnce(host(fake), root), false);
  assert.equal(fake.shown.length, 0);
});

test('the extension: Try the Demo in the universal package runs the demo and shows the notice once over two runs', { timeout: 240_000 }, async () => {
  const outfile = join(mkdtempSync(join(tmpdir(), 'tqstar-ext-')), 'extension.js');
  buildSync({ absWorkingDir: root, entryPoints: ['src/extension/extension.ts'], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
  const fake = createFakeVscode({});
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _load: (req: string, ...a: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (req: string, ...a: unknown[]) { return req === 'vscode' ? fake.vscode : load.call(this, req, ...a); };
  try {
    const ext = require(outfile) as { activate(c: unknown): void };
    ext.activate({ ...fake.extContext, extensionPath: universal() });
    for (let i = 0; i < 2; i++) await fake.vscode.commands.executeCommand('tqstar.tryDemo');
    const notices = fake.shown.filter((s) => /no local llama\.cpp engine/.test(s.message));
    // On a platform with no package the text differs; either way it is said once.
    assert.equal(notices.length, 1, JSON.stringify(fake.shown));
    assert.equal(fake.shown.filter((s) => s.level === 'error').length, 0, JSON.stringify(fake.shown));
    // The demo itself ran: the panel shows a finished run.
    const panel = fake.panels.at(-1)!;
    panel.webview.posted.length = 0;
    panel.webview.receive({ type: 'ready' });
    const run = (panel.webview.posted.at(-1) as { run: { status: string } }).run;
    assert.equal(run.status, 'done');
  } finally {
    Module._load = load;
    for (const d of fake.extContext.subscriptions) d.dispose();
  }
});
