// Owns driving the VS Code workbench in Debian's Chromium via playwright-core: open the workspace,
// run Command Palette commands by title, find the results webview, read editors and notifications.
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../package/vsix';
import { chromiumBin } from './prereqs';
import type { CodeServer } from './codeServer';

export const outputDir = join(repoRoot, 'test-output');

// Without the background-networking flags Chromium floods the closed network with failing requests.
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

export interface Workbench {
  page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(cs: CodeServer): Promise<Workbench> {
  const browser: Browser = await chromium.launch({ executablePath: chromiumBin, args: chromiumArgs, timeout: 60_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`, { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The explorer shows the workspace once the file service is up; commands before that race it.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
    return { page, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * Types `query` into the Command Palette until a command titled `want` is listed, and returns every
 * listed title. Retries for a while: right after the workbench loads, contributed commands may not
 * be registered yet. Leaves the palette open.
 */
export async function paletteTitles(page: Page, query: string, want: string, timeout = 60_000): Promise<string[]> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const deadline = Date.now() + timeout;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    if (!(await input.isVisible())) {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
      if (!(await input.isVisible())) continue;
    }
    await input.fill(`>${query}`);
    await rows.filter({ hasText: want }).first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    seen = (await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
    if (seen.includes(want)) return seen;
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1_000);
  }
  throw new Error(`Command Palette has no command titled "${want}"; for "${query}" it shows: ${seen.join(' | ') || '(nothing)'}`);
}

/** Runs a command from the Command Palette by its full title, e.g. "Transfer Q*: Try the Demo". */
/** When the last command that starts a decoding run was given (ms since the epoch; the extension host's clock is the same). */
export let lastRunCommandAt = 0;
const STARTS_A_RUN = /Generate from|Try the Demo|Compare Strategies|Re-run the Shown Run/;

export async function runCommand(page: Page, title: string, timeout = 60_000): Promise<void> {
  if (STARTS_A_RUN.test(title)) lastRunCommandAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    const seen = await paletteTitles(page, title, title, timeout);
    try {
      // Exact label match: "Generate from Selection" must not pick a longer sibling title.
      await page.locator('.quick-input-widget .monaco-list-row').nth(seen.indexOf(title)).click({ timeout: 10_000 });
      break;
    } catch (e) {
      // The palette can close under the click (focus moved by an editor opening on a busy machine): open it again, once.
      if (attempt >= 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/**
 * The document of the webview that holds `marker`. Webviews are nested frames (an outer host iframe, the content in
 * #active-frame); the workbench may hold several (e.g. the history view), so pick the one that has it.
 */
export async function webviewWith(page: Page, marker: string, what: string, timeout = 60_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const hosts = page.locator('iframe.webview.ready');
    const n = await hosts.count();
    for (let i = 0; i < n; i++) {
      const inner = hosts.nth(i).contentFrame().frameLocator('#active-frame');
      if (await inner.locator(marker).count().catch(() => 0)) return inner;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`${what} with ${marker} did not appear`);
}

/** The results panel's document: the webview with a run status. */
export const resultsPanel = (page: Page, timeout = 60_000): Promise<FrameLocator> =>
  webviewWith(page, '[data-testid="run-status"]', 'results panel ("Transfer Q* Results")', timeout);

/**
 * The text of the editor showing `file`, as Monaco renders it (non-breaking spaces normalised). Found by
 * its tab rather than focus: after a run the results panel's group is the active one.
 */
export async function editorText(page: Page, file: string): Promise<string> {
  const group = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: file }) }).first();
  return (await group.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

export function notifications(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-toast, .notifications-center .notification-list-item');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(outputDir, { recursive: true });
  const path = join(outputDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
