// Loads a built webview bundle (media/dist/*.js) into jsdom with a stub acquireVsCodeApi that records what the page posts and saves.
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
let built = false;

/** Builds the webview bundles once per test process, so tests always run the current source. */
export function buildWebview(): void {
  if (built) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'webview'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`webview build failed: ${r.stderr || r.stdout}`);
  built = true;
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
  const code = readFileSync(join(root, 'media/dist', `${name}.js`), 'utf8');
  const dom = new JSDOM('<!DOCTYPE html><html><body class="vscode-dark"><div id="app"></div></body></html>', { runScripts: 'outside-only', url: 'https://webview.invalid/' });
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
