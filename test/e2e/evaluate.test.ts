// End-to-end: "Transfer Q*: Evaluate on Prompt Set…" in a real VS Code (code-server) driven through its UI in Chromium,
// on the built-in demo backend over real HTTP: the quick picks, the evaluation panel's table and plots, a clicked point's answers,
// and the evaluation listed in Run History, reopened from there.
// Screenshots go to test-output/ (eval-panel.png: the plots; eval-answers.png: a point's answers; eval-history.png: the
// evaluation in Run History; eval-reopened.png: the panel opened again from there).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { ensureVsix } from '../package/vsix';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { e2eSkip, missingPrereqs } from './harness/prereqs';
import { openWorkbench, runCommand, screenshot, webviewWith, type Workbench } from './harness/workbench';

/** Picks the quick-pick row whose label contains `label` (typing it first filters the list), then accepts. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The evaluation panel's document: the webview frame that holds the evaluation header. */
const evalPanel = (page: Page, timeout = 60_000): Promise<FrameLocator> => webviewWith(page, '.eval-header', 'the evaluation panel ("Transfer Q* Evaluation")', timeout);

describe('e2e: Evaluate on Prompt Set on the built-in demo backend', { skip: e2eSkip(), timeout: 12 * 60_000 }, () => {
  const s = {} as { cs: CodeServer; wb: Workbench };
  before(async () => {
    const missing = missingPrereqs();
    if (missing) throw new Error(`e2e prerequisites: ${missing}`);
    s.cs = await startCodeServer({ vsix: await ensureVsix(), settings: {}, files: { 'notes.txt': 'evaluation' } });
    s.wb = await openWorkbench(s.cs);
  });
  after(async () => {
    await s.wb?.close();
    await s.cs?.close();
  });

  test('the picks run an evaluation whose table and plots show in the panel; a clicked point lists its answers', { timeout: 10 * 60_000 }, async () => {
    const page = s.wb.page;
    try {
      await runCommand(page, 'Transfer Q*: Evaluate on Prompt Set…');
      await pick(page, 'Built-in prompts');
      await pick(page, 'Built-in demo: word-level n-gram pair');
      // Strategies: the demo's preselection (TQ*, Best-of-N, soft Best-of-N, ARGS, baseline) as offered.
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'strategies' }).waitFor();
      await page.keyboard.press('Enter');
      const box = page.locator('.quick-input-widget .quick-input-box input');
      // The sweep is a choice; "Custom…" types one.
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'sweep' }).waitFor();
      await pick(page, 'Custom…');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'custom sweep' }).waitFor();
      await box.fill('bon:bon=2,32');
      await page.keyboard.press('Enter');
      await pick(page, 'No judge');

      const panel = await evalPanel(page);
      // 101 prompts × 6 points on the demo models: the table and the plots replace the progress bar when it is done.
      await panel.locator('.plots svg').first().waitFor({ timeout: 8 * 60_000 });
      const status = await panel.locator('.status').innerText();
      assert.match(status, /complete/, `status: ${status}`);
      const rows = await panel.locator('table.summary tbody tr td:first-child').allInnerTexts();
      for (const want of ['tqstar', 'bon bestOfN=2', 'bon bestOfN=32', 'softbon', 'args', 'baseline']) assert.ok(rows.includes(want), `table lacks ${want}: ${rows.join(' | ')}`);
      // Reward against compute, against KL, and the held-out score against compute (no exact plot: not the tabular world).
      assert.equal(await panel.locator('.plots svg').count(), 3);
      assert.ok((await panel.locator('.plots svg [data-point]').count()) >= rows.length, 'a plotted point per row');
      await page.waitForTimeout(500);
      await screenshot(page, 'eval-panel');

      // Best-of-32's point on the compute plot opens its answers.
      const bonKey = await panel.locator('table.summary tbody tr', { hasText: 'bon bestOfN=32' }).getAttribute('data-point');
      // The dot itself: the point group also holds its error bars, whose box centre can fall on the plot background.
      await panel.locator(`.plots svg:first-of-type [data-point="${bonKey}"] circle`).first().click();
      await panel.locator('.answers h2', { hasText: 'bon bestOfN=32' }).waitFor();
      assert.ok((await panel.locator('.answers td.output').count()) > 50, 'the answers of the point are listed');
      await screenshot(page, 'eval-answers');

      // Run History lists the evaluation; with the panel closed, a click on it opens it again.
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.activitybar .action-item a[aria-label^="Transfer Q*"]').first().click();
      const history = await webviewWith(page, '[data-testid="history-entry"][data-kind="eval"]', 'the Run History view with the evaluation', 60_000);
      const entry = history.locator('[data-testid="history-entry"][data-kind="eval"]').first();
      const entryText = await entry.innerText();
      assert.match(entryText, /Evaluation/);
      assert.match(entryText, /built-in set/);
      assert.match(entryText, /101 prompts/);
      assert.ok(entryText.includes(`${rows.length} points`), `the entry counts the table's ${rows.length} points: ${entryText}`);
      assert.equal(await entry.locator('[data-testid="status-mark"]').getAttribute('aria-label'), 'finished');
      await screenshot(page, 'eval-history');
      await entry.click();
      const again = await evalPanel(page);
      await again.locator('.plots svg').first().waitFor({ timeout: 30_000 });
      const rowsAgain = await again.locator('table.summary tbody tr td:first-child').allInnerTexts();
      assert.deepEqual(rowsAgain, rows, 'the same points as the evaluation that ran');
      assert.match(await again.locator('.status').innerText(), /complete/);
      await screenshot(page, 'eval-reopened');
    } catch (e) {
      await screenshot(page, 'eval-failed').catch(() => undefined);
      throw e;
    }
  });
});
