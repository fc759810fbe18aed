// Loads a freshly built webview bundle (as media/dist/*.js) into jsdom with a stub acquireVsCodeApi that records what the page posts and saves.
import { JSDOM } from 'jsdom';
import { after } from 'node:test';
import { buildSync } from 'esbuild';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
let outDir: string | undefined;
// A live run's clock ticks in the page: close every window at the end, or its timer keeps the test process alive.
const opened: JSDOM[] = [];
after(() => { for (const d of opened) d.window.close(); });

/**
 * Bundles the webview entries once per test process with the options of scripts/build.mjs, into a
 * temporary folder: writing media/dist here would race a concurrent `npm run package`.
 */
export function buildWebview(): void {
  if (outDir) return;
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-webview-'));
  buildSync({ absWorkingDir: root, entryPoints: ['src/webview/panel.ts', 'src/webview/sidebar.ts'], bundle: true, platform: 'browser', target: 'es2022', format: 'iife', outdir: dir, logLevel: 'error' });
  outDir = dir;
}

export interface LoadedWebview {
  dom: JSDOM;
  window: JSDOM['window'];
  document: Document;
  posted: unknown[];
  saved: unknown[];
  errors: string[];
  send(message: unknown): void;
}

export function loadWebview(name: 'panel' | 'sidebar', initialState?: unknown): LoadedWebview {
  buildWebview();
  const code = readFileSync(join(outDir!, `${name}.js`), 'utf8');
  const dom = new JSDOM('<!DOCTYPE html><html><body class="vscode-dark"><div id="app"></div></body></html>', { runScripts: 'outside-only', url: 'https://webview.invalid/' });
  opened.push(dom);
  const posted: unknown[] = [];
  const saved: unknown[] = [];
  const errors: string[] = [];
  let state = initialState;
  const w = dom.window as unknown as Record<string, unknown>;
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => state,
    setState: (s: unknown) => { state = s; saved.push(JSON.parse(JSON.stringify(s))); },
  });
  dom.window.console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
  dom.window.addEventListener('error', (e) => errors.push(String(e.message)));
  dom.window.eval(code);
  return {
    dom, window: dom.window, document: dom.window.document, posted, saved, errors,
    // Synchronous dispatch, as the webview host does not promise ordering across ticks either.
    send: (data) => dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data })),
  };
}
