// End-to-end, as a newcomer meets the extension: a fresh profile with VS Code's own Welcome page up, the walkthrough
// opening over it, Connect Models against the reference server and against a GGUF file, a run whose per-token view,
// ties, reward bars, progress and Replace Prompt are checked, and a narrow panel. Screenshots: test-output/newcomer-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/index';
import { ensureVsix, repoRoot } from '../package/vsix';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { e2eSkip, missingPrereqs } from './harness/prereqs';
import { editorText, openWorkbench, resultsPanel, runCommand, screenshot, type Workbench } from './harness/workbench';
import { settledStatus } from './panel';

const PROMPT = 'The movie was';
const skip = e2eSkip();

async function shot(page: () => Page, name: string, body: () => Promise<void>): Promise<void> {
  try { await body(); } finally { await screenshot(page(), name).catch(() => undefined); }
}

/** Answers the quick input open now: waits for its title to match, then types (replacing the value) and presses Enter. */
async function answer(page: Page, title: RegExp, value?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.filter({ hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
  const input = widget.locator('.quick-input-box input');
  if (value !== undefined) { await input.fill(value); await page.waitForTimeout(300); }
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
}

/**
 * Answers code-server's open dialog (a quick input holding a path) with `path`. The dialog lists the folder as the path
 * is typed and may not take an Enter pressed before that settles: wait for the file's row, press Enter, and type again
 * if the dialog is still up with the path (at most three times).
 */
async function answerFile(page: Page, title: RegExp, path: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.filter({ hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
  const input = widget.locator('.quick-input-box input');
  for (let attempt = 1; attempt <= 3; attempt++) {
    await input.fill(path);
    await widget.locator('.monaco-list-row', { hasText: basename(path) }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    // Taken: the dialog closed, or the next step's quick input (another value) replaced it.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!(await widget.isVisible()) || (await input.inputValue().catch(() => '')) !== path) return;
      await page.waitForTimeout(200);
    }
  }
  throw new Error(`the open dialog did not take ${path}`);
}

/** Picks the row of the open quick pick whose label contains `label`. */
async function pickRow(page: Page, title: RegExp, label: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.filter({ hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
  await widget.locator('.quick-input-box input').fill(label);
  await widget.locator('.monaco-list-row', { hasText: label }).first().click();
  await page.waitForTimeout(500);
}

const workspaceSettings = (cs: CodeServer) => {
  const f = join(cs.workspace, '.vscode', 'settings.json');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
};

async function waitFor<T>(page: Page, read: () => T | Promise<T>, ok: (v: T) => boolean, timeout = 30_000): Promise<T> {
  const end = Date.now() + timeout;
  let v = await read();
  while (!ok(v) && Date.now() < end) { await page.waitForTimeout(300); v = await read(); }
  return v;
}

describe('e2e newcomer: first start, Connect Models, the per-token view, Replace Prompt, a narrow panel', { skip, timeout: 20 * 60_000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let cs: CodeServer;
  let wb: Workbench;
  const page = () => wb.page;
  before(async () => {
    const missing = missingPrereqs();
    if (missing) throw new Error(`e2e prerequisites: ${missing}`);
    server = await startServer({ quiet: true, latency: 'request=60' });
    // A fresh profile as VS Code ships it: its own Welcome page opens at startup.
    cs = await startCodeServer({ vsix: await ensureVsix(), settings: { 'workbench.startupEditor': 'welcomePage', 'workbench.welcomePage.walkthroughs.openOnInstall': true }, files: { 'prompt.txt': PROMPT } });
    wb = await openWorkbench(cs);
  });
  after(async () => {
    await wb?.close();
    await cs?.close();
    await server?.close();
  });

  test('first start: the walkthrough opens even with VS Code\'s Welcome page up, and its Connect Models button works (item 2)', { timeout: 180_000 }, () =>
    shot(page, 'newcomer-2-first-start', async () => {
      await page().getByText('Get Started with Transfer Q*').first().waitFor({ timeout: 90_000 });
      await screenshot(page(), 'newcomer-2-walkthrough-opened');
      // The step's button runs the command: Connect Models asks its first question.
      await page().getByText('Connect your models').first().click();
      await page().getByRole('button', { name: 'Connect Models…' }).first().click();
      await page().locator('.quick-input-widget', { hasText: /Connect Models \(1\/4\)/ }).waitFor({ state: 'visible', timeout: 30_000 });
      await page().keyboard.press('Escape');
    }));

  test('Connect Models against the reference server: URL → probe → the model from /v1/models → reward → workspace settings → Test Connections (item 3)', { timeout: 240_000 }, () =>
    shot(page, 'newcomer-3-connect-server', async () => {
      await runCommand(page(), 'Transfer Q*: Connect Models…');
      await pickRow(page(), /\(1\/4\)/, 'A model server');
      await answer(page(), /Base model server/, `${server.url}/v1`);
      await page().locator('.quick-input-widget', { hasText: /models .* serves/ }).waitFor({ state: 'visible', timeout: 30_000 });
      const models = await page().locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts();
      assert.ok(models.some((m) => m.includes('demo-base')), `listed: ${models.join(', ')}`);
      await screenshot(page(), 'newcomer-3-model-list');
      await pickRow(page(), /models .* serves/, 'demo-base');
      await pickRow(page(), /\(2\/4\)/, 'Another model on the same server');
      await answer(page(), /Baseline model server/);
      await pickRow(page(), /models .* serves/, 'demo-aligned');
      await pickRow(page(), /\(3\/4\)/, 'builtin');
      await pickRow(page(), /Built-in reward/, 'sentiment');
      const written = await waitFor(page(), () => workspaceSettings(cs), (t) => /tqstar\.reward\.name/.test(t) && /tqstar\.baseline\.model/.test(t));
      const s = JSON.parse(written) as Record<string, unknown>;
      assert.equal(s['tqstar.base.baseUrl'], `${server.url}/v1`);
      assert.equal(s['tqstar.base.model'], 'demo-base');
      assert.equal(s['tqstar.baseline.model'], 'demo-aligned');
      assert.equal(s['tqstar.reward.kind'], 'builtin');
      assert.equal(s['tqstar.reward.name'], 'sentiment');
      // Step 4: Test Connections runs by itself and reports.
      await page().locator('.notifications-toasts', { hasText: /endpoints are reachable|endpoint/ }).first().waitFor({ timeout: 60_000 });
    }));

  test('Connect Models with a GGUF file from models/tiny writes tqstar.base.gguf (item 3)', { timeout: 240_000 }, () =>
    shot(page, 'newcomer-3-connect-gguf', async () => {
      await runCommand(page(), 'Transfer Q*: Connect Models…');
      await pickRow(page(), /\(1\/4\)/, 'A local GGUF file');
      // code-server's open dialog is a quick input holding a path.
      await answerFile(page(), /GGUF|Open|\//, join(repoRoot, 'models', 'tiny', 'sft.gguf'));
      await pickRow(page(), /\(2\/4\)/, 'A local GGUF file');
      await answerFile(page(), /GGUF|Open|\//, join(repoRoot, 'models', 'tiny', 'dpo-sentiment.gguf'));
      await pickRow(page(), /\(3\/4\)/, 'Keep the current reward');
      // Written one setting after another: wait for the last one.
      const written = await waitFor(page(), () => workspaceSettings(cs), (t) => /tqstar\.baseline\.gguf/.test(t));
      const s = JSON.parse(written) as Record<string, unknown>;
      assert.match(String(s['tqstar.base.gguf']), /sft\.gguf$/);
      assert.match(String(s['tqstar.baseline.gguf']), /dpo-sentiment\.gguf$/);
      assert.equal(s['tqstar.base.baseUrl'], undefined, 'the server URL chosen before is cleared');
      assert.equal(s['tqstar.reward.name'], 'sentiment', 'the reward kept');
      await screenshot(page(), 'newcomer-3-gguf-written');
    }));

  test('the demo: per-token view against the base top-1 (or "not measured"), ties, fixed-scale bars, short progress, Replace Prompt = prompt + continuation (items 1, 5, 8, 9)', { timeout: 300_000 }, () =>
    shot(page, 'newcomer-1-demo-run', async () => {
      await page().locator('.explorer-folders-view .monaco-list-row', { hasText: 'prompt.txt' }).first().click();
      await page().locator('.tab.active', { hasText: 'prompt.txt' }).waitFor();
      await page().locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page().keyboard.press('Control+A');
      await runCommand(page(), 'Transfer Q*: Try the Demo');
      // Item 5: the status-bar item is short while the run decodes.
      const item = page().locator('.statusbar-item', { hasText: /TQ\*/ }).first();
      const live = await item.innerText({ timeout: 60_000 }).catch(() => '');
      if (live) assert.ok(live.length <= 30, `status item "${live}" is short`);
      const panel = await resultsPanel(page());
      const final = await settledStatus(panel);
      assert.match(final, /done/);
      const tq = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      // Item 1: the legend never claims "favourite" for unmeasured steps; the candidate table has the step facts.
      const legend = await tq.locator('[data-testid="legend"]').innerText();
      const tokenClasses = await tq.locator('[data-testid="token"]').evaluateAll((els) => els.map((e) => e.className));
      if (tokenClasses.some((c) => c.includes('shift-unmeasured'))) assert.match(legend, /not measured/);
      else assert.match(legend, /base model's own top-1 token/);
      await tq.locator('[data-testid="token"]').first().focus();
      await tq.locator('[data-testid="step-facts"]').waitFor();
      await tq.locator('[data-testid="candidate-table"]').scrollIntoViewIfNeeded();
      await screenshot(page(), 'newcomer-1-candidate-table');
      // Item 8: equal rewards share a rank; bars use the fixed scale.
      const heads = await panel.locator('[data-testid="result-card"] h2').allInnerTexts();
      const rewards = (await panel.locator('[data-testid="reward"]').allInnerTexts()).map(Number);
      for (let i = 1; i < rewards.length; i++) if (rewards[i] === rewards[i - 1] && /^\d/.test(heads[i]!)) assert.match(heads[i]!, /=\./, `tied card ${heads[i]} shares a rank`);
      assert.match(await panel.locator('[data-testid="scale-note"]').innerText(), /fixed/);
      // Item 9: Replace Prompt writes prompt + continuation.
      const output = await tq.locator('[data-testid="output-text"]').innerText();
      await tq.getByRole('button', { name: /^Replace the prompt .* with the prompt followed by the Transfer Q\* output/ }).click();
      const norm = (x: string) => x.replace(/\s+/g, ' ').trim();
      const after = await waitFor(page(), () => editorText(page(), 'prompt.txt'), (t) => norm(t) !== PROMPT);
      assert.equal(norm(after), norm(PROMPT + output));
      assert.ok(norm(after).startsWith(PROMPT), 'the prompt is kept');
    }));

  test('a narrow panel (≤ 500 px): every candidate column visible without sideways scrolling (item 6)', { timeout: 120_000 }, () =>
    shot(page, 'newcomer-6-narrow-panel', async () => {
      await page().setViewportSize({ width: 760, height: 900 });
      await page().keyboard.press('Control+B');
      await page().waitForTimeout(1000);
      const panel = await resultsPanel(page());
      const tq = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      await tq.locator('[data-testid="token"]').first().focus();
      const row = tq.locator('[data-testid="candidate-table"] tbody tr').first();
      await row.waitFor();
      const m = await row.evaluate((tr) => {
        const d = document.documentElement;
        const box = tr.closest('.table-scroll') as HTMLElement;
        return { width: d.clientWidth, overflow: d.scrollWidth - d.clientWidth, boxOverflow: box.scrollWidth - box.clientWidth, cells: [...tr.querySelectorAll('td')].map((td) => td.getBoundingClientRect().right) };
      });
      assert.ok(m.width <= 500, `panel is ${m.width} px`);
      assert.ok(m.overflow <= 0, `page overflows by ${m.overflow} px`);
      assert.ok(m.boxOverflow <= 1, `the candidate table needs ${m.boxOverflow} px of sideways scrolling`);
      assert.ok(m.cells.every((r) => r <= m.width + 1), 'every column inside the panel');
      await tq.locator('[data-testid="candidate-table"]').scrollIntoViewIfNeeded();
      await screenshot(page(), 'newcomer-6-narrow-candidates');
      await page().keyboard.press('Control+B');
      await page().setViewportSize({ width: 1400, height: 900 });
    }));
});
