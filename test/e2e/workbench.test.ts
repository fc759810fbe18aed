// End-to-end: the packaged .vsix installed into a real VS Code (code-server), driven through its UI in
// Chromium, against the reference server over real HTTP. Screenshots of each scenario go to test-output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { ensureVsix } from '../package/vsix';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { e2eSkip, missingPrereqs } from './harness/prereqs';
import { editorText, notifications, openWorkbench, paletteTitles, resultsPanel, runCommand, screenshot, type Workbench } from './harness/workbench';
import { errorTexts, readCards, settledStatus } from './panel';
import { closedPort, settingsFor } from './settings';

type RefServer = Awaited<ReturnType<typeof startServer>>;

const PROMPT = 'The movie was';
// No trailing newline: select-all then yields exactly the prompt the demo was built around.
const files = { 'prompt.txt': PROMPT };

/** Opens a workspace file in an editor and selects all of its text. */
async function selectAllIn(page: Page, file: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first().click();
  await page.locator('.tab.active', { hasText: file }).waitFor();
  const lines = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await lines.click();
  await page.keyboard.press('Control+A');
}

/** Runs `body`, and screenshots the workbench whether it passed or failed. */
async function scenario(page: () => Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await screenshot(page(), name).catch(() => undefined);
  }
}

/** One code-server + Chromium per suite, torn down even if setup half-failed. */
function workbenchSuite(setup: () => Promise<{ settings: Record<string, unknown> }>) {
  const s = {} as { cs: CodeServer; wb: Workbench };
  before(async () => {
    // Fail fast (in CI) on a machine without code-server or Chromium, before packaging anything.
    const missing = missingPrereqs();
    if (missing) throw new Error(`e2e prerequisites: ${missing}`);
    const { settings } = await setup();
    s.cs = await startCodeServer({ vsix: await ensureVsix(), settings, files });
    s.wb = await openWorkbench(s.cs);
  });
  after(async () => {
    await s.wb?.close();
    await s.cs?.close();
  });
  return s;
}

const skip = e2eSkip();

describe('e2e: configured against the reference server', { skip, timeout: 10 * 60_000 }, () => {
  let server: RefServer;
  const s = workbenchSuite(async () => {
    server = await startServer({ quiet: true });
    return { settings: settingsFor(demoRunConfig(server.url)) };
  });
  after(() => server?.close());
  const page = () => s.wb.page;

  test('smoke: the workbench opens and the Command Palette lists the Transfer Q* commands', { timeout: 120_000 }, () =>
    scenario(page, '0-smoke', async () => {
      const titles = await paletteTitles(page(), 'Transfer Q*', 'Transfer Q*: Generate from Selection');
      for (const t of ['Transfer Q*: Generate from Selection', 'Transfer Q*: Test Connections', 'Transfer Q*: Try the Demo']) {
        assert.ok(titles.includes(t), `palette lacks "${t}"; shows ${titles.join(' | ')}`);
      }
      await screenshot(page(), '0-smoke-palette');
      await page().keyboard.press('Escape');
    }));

  test('(a) Generate from Selection shows reward-ranked outputs of TQ* and its peers', { timeout: 240_000 }, () =>
    scenario(page, 'a-generate-from-selection', async () => {
      const before = server.stats().requests;
      await selectAllIn(page(), 'prompt.txt');
      await runCommand(page(), 'Transfer Q*: Generate from Selection');
      const panel = await resultsPanel(page());
      const status = await settledStatus(panel);
      assert.match(status, /done/, `run did not finish: ${status}; errors: ${(await errorTexts(panel)).join(' / ')}`);
      const cards = await readCards(panel);
      const tq = cards.find((c) => c.strategy === 'tqstar');
      assert.ok(tq, `no TQ* card among ${cards.map((c) => c.strategy).join(', ')}`);
      assert.ok(cards.some((c) => c.strategy !== 'tqstar' && c.reward !== null), 'no peer strategy with a reward');
      assert.ok(tq.reward !== null && Number.isFinite(tq.reward), `TQ* reward is ${tq.reward}`);
      assert.ok(tq.text.trim().length > 0, 'TQ* output is empty');
      // Ranked: rewards descend down the page, unscored cards last.
      const rewards = cards.map((c) => c.reward ?? -Infinity);
      assert.deepEqual(rewards, [...rewards].sort((x, y) => y - x), `cards not ranked by reward: ${rewards.join(', ')}`);
      // The panel's numbers came over real HTTP from the reference server, not from a stand-in.
      assert.ok(server.stats().requests > before, 'the reference server saw no requests');
    }));

  test('(b) a focused token shows its candidate table; Insert at Cursor changes the editor', { timeout: 120_000 }, () =>
    scenario(page, 'b-token-and-insert', async () => {
      const panel = await resultsPanel(page());
      const tqCard = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      const token = tqCard.locator('[data-testid="token"]').first();
      await token.focus();
      const table = tqCard.locator('[data-testid="candidate-table"]');
      await table.locator('tbody tr').first().waitFor();
      const rows = await table.locator('tbody tr').count();
      assert.ok(rows >= 1, 'candidate table has no rows');
      assert.equal(await table.locator('tbody tr.chosen').count(), 1, 'exactly one candidate is marked chosen');
      // The table describes the focused token's step.
      const step = Number(await token.getAttribute('data-step'));
      assert.match(await table.locator('h3').innerText(), new RegExp(`^Step ${step + 1}:`));
      await table.scrollIntoViewIfNeeded();
      await screenshot(page(), 'b-candidate-table');

      const output = (await tqCard.locator('[data-testid="output-text"]').innerText()).trim();
      const editorBefore = await editorText(page(), 'prompt.txt');
      // The run came from the selection: the button inserts after that prompt (its accessible name says so).
      await tqCard.getByRole('button', { name: /^Insert the Transfer Q\* output after the prompt/ }).click();
      const deadline = Date.now() + 30_000;
      let editorAfter = editorBefore;
      while (editorAfter === editorBefore && Date.now() < deadline) {
        await page().waitForTimeout(250);
        editorAfter = await editorText(page(), 'prompt.txt');
      }
      assert.notEqual(editorAfter, editorBefore, 'editor text did not change after Insert at Cursor');
      const norm = (x: string) => x.replace(/\s+/g, ' ');
      assert.ok(norm(editorAfter).includes(norm(output).slice(0, 40)), `editor lacks the TQ* output: ${JSON.stringify(editorAfter)} vs ${JSON.stringify(output)}`);
      assert.ok(editorAfter.includes(PROMPT), 'the prompt text was lost');
    }));

  test('(c) Test Connections reports every endpoint reachable', { timeout: 120_000 }, () =>
    scenario(page, 'c-test-connections-ok', async () => {
      await runCommand(page(), 'Transfer Q*: Test Connections');
      await notifications(page()).filter({ hasText: /all \d+ endpoints are reachable/ }).first().waitFor({ timeout: 60_000 });
    }));
});

describe('e2e: an endpoint on a closed port', { skip, timeout: 6 * 60_000 }, () => {
  let server: RefServer;
  let badUrl = '';
  // Settings are written before start: a fresh window reads them deterministically.
  const s = workbenchSuite(async () => {
    server = await startServer({ quiet: true });
    const cfg = demoRunConfig(server.url);
    badUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    return { settings: settingsFor({ ...cfg, base: { ...cfg.base, baseUrl: badUrl } }) };
  });
  after(() => server?.close());
  const page = () => s.wb.page;

  test('(c) Test Connections names the unreachable URL and offers "Open Settings", which opens the setting', { timeout: 180_000 }, () =>
    scenario(page, 'c-closed-port-open-settings', async () => {
      await runCommand(page(), 'Transfer Q*: Test Connections');
      const host = new URL(badUrl).host;
      const bad = notifications(page()).filter({ hasText: host }).first();
      await bad.waitFor({ timeout: 90_000 });
      await screenshot(page(), 'c-closed-port-error');
      const openSettings = bad.getByRole('button', { name: 'Open Settings' });
      assert.equal(await openSettings.count(), 1, `the error offers no "Open Settings": ${await bad.innerText()}`);
      await openSettings.click();
      await page().locator('.settings-editor').waitFor({ timeout: 30_000 });
      const query = page().locator('.settings-editor .suggest-input-container .view-lines').first();
      await query.filter({ hasText: 'tqstar' }).waitFor({ timeout: 10_000 });
      assert.match((await query.innerText()).replace(/\u00a0/g, ' '), /tqstar\.base/, 'Settings opened without the base setting in view');
      // The filtered list shows the contributed setting itself (contributes.configuration is live).
      await page().locator('.settings-editor .setting-item-contents', { hasText: /base/i }).first().waitFor({ timeout: 30_000 });
    }));
});

describe('e2e: Try the Demo in a fresh profile with nothing configured', { skip, timeout: 6 * 60_000 }, () => {
  const s = workbenchSuite(async () => ({ settings: {} }));
  const page = () => s.wb.page;

  test('(d) Try the Demo shows a result', { timeout: 240_000 }, () =>
    scenario(page, 'd-try-the-demo', async () => {
      await runCommand(page(), 'Transfer Q*: Try the Demo');
      const panel = await resultsPanel(page());
      const status = await settledStatus(panel);
      assert.match(status, /done/, `demo did not finish: ${status}; errors: ${(await errorTexts(panel)).join(' / ')}`);
      const cards = await readCards(panel);
      const tq = cards.find((c) => c.strategy === 'tqstar');
      assert.ok(tq && tq.text.trim() && tq.reward !== null, `no TQ* result with a reward: ${JSON.stringify(cards)}`);
    }));
});

describe('e2e: cancelling a slow run', { skip, timeout: 8 * 60_000 }, () => {
  let slow: RefServer;
  // Each request costs ≥ 400 ms, so a run takes many seconds and Cancel lands mid-decode.
  const s = workbenchSuite(async () => {
    slow = await startServer({ quiet: true, latency: 'request=400,step=40' });
    // Dark theme here, so one screenshot shows the panel's --vscode-* colours in a dark workbench.
    return { settings: { ...settingsFor(demoRunConfig(slow.url)), 'workbench.colorTheme': 'Default Dark Modern' } };
  });
  after(() => slow?.close());
  const page = () => s.wb.page;

  test('(e) Cancel keeps the partial result visible', { timeout: 240_000 }, () =>
    scenario(page, 'e-cancel-slow-run', async () => {
      await selectAllIn(page(), 'prompt.txt');
      await runCommand(page(), 'Transfer Q*: Generate from Selection');
      const panel = await resultsPanel(page());
      // Wait until TQ* has decided at least one token, so there is something partial to keep.
      await panel.locator('[data-testid="result-card"][data-strategy="tqstar"] [data-testid="token"]').first().waitFor({ timeout: 120_000 });
      const status = panel.locator('[data-testid="run-status"]');
      assert.match(await status.innerText(), /running/, 'run finished before it could be cancelled');
      assert.equal(await panel.locator('body.vscode-dark').count(), 1, 'the webview did not get the dark theme class');
      await screenshot(page(), 'e-running-before-cancel');
      await panel.getByRole('button', { name: 'Cancel' }).click();
      const final = await settledStatus(panel, 60_000);
      assert.match(final, /cancelled/);
      const cards = await readCards(panel);
      const tq = cards.find((c) => c.strategy === 'tqstar');
      assert.ok(tq && tq.text.length > 0, `partial TQ* output not visible after cancel: ${JSON.stringify(cards)}`);
    }));
});
