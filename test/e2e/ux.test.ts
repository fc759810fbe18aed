// End-to-end, as people use the extension (issue 12): the packaged .vsix in a real VS Code (code-server) in Chromium,
// against the reference server over real HTTP, configured with the typed flat settings only. Screenshots go to test-output/ux-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { startServer } from '../../src/server/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { ensureVsix } from '../package/vsix';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { e2eSkip, missingPrereqs } from './harness/prereqs';
import { editorText, openWorkbench, resultsPanel, runCommand, screenshot, type Workbench } from './harness/workbench';
import { errorTexts, readCards, settledStatus } from './panel';
import { sourceCli } from '../cli/sourceCli';

type RefServer = Awaited<ReturnType<typeof startServer>>;

const PROMPT = 'The movie was';
const files = { 'prompt.txt': PROMPT, 'notes.txt': '# Notes\nThe food was' };

/** The demo config as typed flat settings (tqstar.base.baseUrl, tqstar.decoding.topK, …): no object setting at all. */
function flatSettingsFor(url: string): Record<string, unknown> {
  const cfg = demoRunConfig(url) as unknown as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const group of ['base', 'baseline', 'reward', 'decoding']) for (const [k, v] of Object.entries(cfg[group]!)) out[`tqstar.${group}.${k}`] = v;
  out['tqstar.strategies'] = ['tqstar', 'bon', 'greedy'];
  return out;
}

async function selectAllIn(page: Page, file: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first().click();
  await page.locator('.tab.active', { hasText: file }).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
}

async function scenario(page: () => Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await screenshot(page(), name).catch(() => undefined);
  }
}

/** Polls `read` until `ok` holds (bounded), returning the last value. */
async function poll<T>(page: Page, read: () => Promise<T>, ok: (v: T) => boolean, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    v = await read();
  }
  return v;
}

const cli = sourceCli;

async function summaryOf(panel: FrameLocator): Promise<Record<string, string>> {
  const dts = await panel.locator('[data-testid="run-summary"] dt').allInnerTexts();
  const dds = await panel.locator('[data-testid="run-summary"] dd').allInnerTexts();
  return Object.fromEntries(dts.map((k, i) => [k.trim(), (dds[i] ?? '').trim()]));
}

const skip = e2eSkip();

describe('e2e ux: first install, typed settings, the panel as people use it', { skip, timeout: 20 * 60_000 }, () => {
  let server: RefServer;
  let cs: CodeServer;
  let wb: Workbench;
  let settings: Record<string, unknown>;
  const page = () => wb.page;
  before(async () => {
    const missing = missingPrereqs();
    if (missing) throw new Error(`e2e prerequisites: ${missing}`);
    // Each request costs ≥ 120 ms: a run lasts long enough to see its progress, and not much longer.
    server = await startServer({ quiet: true, latency: 'request=120' });
    settings = { ...flatSettingsFor(server.url), 'workbench.welcomePage.walkthroughs.openOnInstall': true };
    cs = await startCodeServer({ vsix: await ensureVsix(), settings, files });
    wb = await openWorkbench(cs);
  });
  after(async () => {
    await wb?.close();
    await cs?.close();
    await server?.close();
  });

  test('the Get Started walkthrough opens on first install', { timeout: 120_000 }, () =>
    scenario(page, 'ux-4-walkthrough-first-install', async () => {
      await page().getByText('Get Started with Transfer Q*').first().waitFor({ timeout: 90_000 });
      for (const step of ['Try the demo', 'Connect your models', 'Check the reward and the connections', 'Read the per-token view']) assert.ok(await page().getByText(step).first().isVisible(), `walkthrough step "${step}"`);
    }));

  test('with no run yet, the Transfer Q* side bar welcomes with buttons (item 4)', { timeout: 120_000 }, () =>
    scenario(page, 'ux-4-welcome-view', async () => {
      await page().locator('.activitybar .action-item a[aria-label^="Transfer Q*"]').first().click();
      try {
        const welcome = page().locator('.welcome-view-content', { hasText: 'See Transfer Q* work without any server' });
        await welcome.waitFor({ timeout: 60_000 });
        for (const b of ['Try the Demo', 'Connect Models…', 'Get Started Walkthrough']) assert.equal(await welcome.getByRole('button', { name: b }).count(), 1, `welcome button "${b}"`);
        await screenshot(page(), 'ux-4-welcome-view-shown');
      } finally {
        await page().locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
        await page().locator('.explorer-folders-view .monaco-list-row').first().waitFor();
      }
    }));

  test('a live run shows tokens / maxTokens, elapsed time and what is queued; finished cards are ranked (item 10); buttons are named per strategy (item 15)', { timeout: 300_000 }, async () => {
    await scenario(page, 'ux-10-progress', async () => {
      await selectAllIn(page(), 'prompt.txt');
      await runCommand(page(), 'Transfer Q*: Generate from Selection');
      const panel = await resultsPanel(page());
      const status = panel.locator('[data-testid="run-status"]');
      // Strategies decode side by side: TQ*'s tokens show alone ("(3 of 3) — n / 24 tokens") or beside the others'.
      await status.filter({ hasText: /Transfer Q\* (\(\d of 3\) — )?\d+ \/ 24/ }).waitFor({ timeout: 120_000 });
      const live = await status.innerText();
      assert.match(live, /^running .*Transfer Q\* (\(\d of 3\) — )?\d+ \/ 24( tokens)?.* · [\d.]+ s elapsed/);
      await screenshot(page(), 'ux-10-progress-live');
      // Read while Transfer Q* still decodes (the two others queued); a fast machine may be past it.
      const queued = await panel.locator('[data-testid="queued"]').allInnerTexts();
      if (/\(1 of 3\)/.test(await status.innerText())) assert.match(queued.join(''), /Queued: Best-of-N, Greedy/);
      const final = await settledStatus(panel);
      assert.match(final, /done/, `run did not finish: ${final}; ${(await errorTexts(panel)).join(' / ')}`);
    });
    await scenario(page, 'ux-15-accessible-names', async () => {
      const panel = await resultsPanel(page());
      // The run used the typed flat settings (item 5): its header says which models and which α.
      const summary = await summaryOf(panel);
      assert.equal(summary['π_base']?.split(' @ ')[0], 'demo-base');
      assert.equal(summary['α'], '8');
      for (const name of ['Copy the Transfer Q* output', 'Copy the Best-of-N output', 'Copy the Greedy (base) output']) {
        assert.equal(await panel.getByRole('button', { name, exact: true }).count(), 1, `one button named "${name}"`);
      }
      assert.equal(await panel.getByRole('meter', { name: 'Transfer Q* reward' }).count(), 1);
      const cards = await readCards(panel);
      const rewards = cards.map((c) => c.reward ?? -Infinity);
      assert.deepEqual(rewards, [...rewards].sort((a, b) => b - a), 'ranked by reward');
    });
  });

  test('Insert after Prompt, then Replace Prompt, replaces only the prompt (item 1)', { timeout: 120_000 }, () =>
    scenario(page, 'ux-1-insert-then-replace', async () => {
      const panel = await resultsPanel(page());
      const tqCard = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      const output = (await tqCard.locator('[data-testid="output-text"]').innerText());
      const norm = (x: string) => x.replace(/\s+/g, ' ').trim();
      await tqCard.getByRole('button', { name: /^Insert the Transfer Q\* output after the prompt/ }).click();
      const afterInsert = await poll(page(), () => editorText(page(), 'prompt.txt'), (t) => t !== PROMPT);
      assert.equal(norm(afterInsert), norm(PROMPT + output));
      await tqCard.getByRole('button', { name: /^Replace the prompt .* with the prompt followed by the Transfer Q\* output/ }).click();
      const afterReplace = await poll(page(), () => editorText(page(), 'prompt.txt'), (t) => norm(t) !== norm(PROMPT + output));
      // The prompt is replaced by prompt + output; the inserted output stays after it.
      assert.equal(norm(afterReplace), norm(PROMPT + output + output));
    }));

  test('Compare Strategies with no selection asks for the prompt, pre-filled with the cursor line (item 3)', { timeout: 120_000 }, () =>
    scenario(page, 'ux-3-compare-asks', async () => {
      await page().locator('.explorer-folders-view .monaco-list-row', { hasText: 'notes.txt' }).first().click();
      await page().locator('.tab.active', { hasText: 'notes.txt' }).waitFor();
      // A click puts the cursor on line 1 ("# Notes") without selecting — in notes.txt's own editor: another group
      // (prompt.txt beside the results panel) may be visible too.
      await page().locator('.editor-group-container.active .monaco-editor .view-line', { hasText: '# Notes' }).first().click();
      await runCommand(page(), 'Transfer Q*: Compare Strategies');
      try {
        const input = page().locator('.quick-input-widget .quick-input-box input');
        await page().locator('.quick-input-widget', { hasText: 'strategies to compare' }).waitFor({ state: 'visible', timeout: 30_000 });
        await page().keyboard.press('Enter'); // accept the pre-picked strategies
        await page().locator('.quick-input-widget', { hasText: 'nothing was selected' }).waitFor({ state: 'visible', timeout: 30_000 });
        assert.equal(await input.inputValue(), '# Notes');
        await screenshot(page(), 'ux-3-compare-prompt-box');
      } finally {
        await page().keyboard.press('Escape');
      }
    }));

  test('at a 300 px panel the page has no horizontal overflow; the candidate table scrolls in its own box (item 9)', { timeout: 120_000 }, () =>
    scenario(page, 'ux-9-narrow-panel', async () => {
      await page().setViewportSize({ width: 700, height: 900 });
      await page().keyboard.press('Control+B'); // hide the side bar: each editor group is about 330 px
      await page().waitForTimeout(1000);
      const panel = await resultsPanel(page());
      const tqCard = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      await tqCard.locator('[data-testid="token"]').first().focus();
      await tqCard.locator('[data-testid="candidate-table"] tbody tr').first().waitFor();
      const m = await tqCard.locator('[data-testid="candidate-table"]').evaluate(() => {
        const d = document.documentElement;
        const box = document.querySelector('.candidates .table-scroll') as HTMLElement;
        const num = document.querySelector('.candidates td.num') as HTMLElement;
        return { width: d.clientWidth, overflow: d.scrollWidth - d.clientWidth, boxScrolls: box.scrollWidth > box.clientWidth, numLines: num.getClientRects().length, numHeight: num.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(num).lineHeight) || 18 };
      });
      assert.ok(m.width <= 360, `panel is ${m.width} px wide, not narrow`);
      assert.ok(m.overflow <= 0, `the page overflows by ${m.overflow} px`);
      assert.ok(m.numHeight < 2 * m.lineHeight + 6, `a number cell wraps (${m.numHeight} px)`);
      await tqCard.locator('[data-testid="candidate-table"]').scrollIntoViewIfNeeded();
      await screenshot(page(), 'ux-9-narrow-candidate-table');
      await page().keyboard.press('Control+B');
      await page().setViewportSize({ width: 1400, height: 900 });
    }));

  test('a setting changed in the Settings UI takes effect on the next run (item 5)', { timeout: 240_000 }, () =>
    scenario(page, 'ux-5-settings-ui', async () => {
      await runCommand(page(), 'Transfer Q*: Open Settings');
      await page().locator('.settings-editor').waitFor({ timeout: 30_000 });
      await page().locator('.settings-editor .setting-item-contents', { hasText: /Base Url/ }).first().waitFor({ timeout: 30_000 });
      // The typed settings render as inputs with their defaults (no "undefined", no validation error).
      assert.equal(await page().locator('.settings-editor .setting-item-contents .setting-item-validation-message:visible').count(), 0, 'a typed setting shows a validation error');
      await screenshot(page(), 'ux-5-settings-sections');
      await page().locator('.settings-editor .suggest-input-container').first().click();
      await page().keyboard.press('Control+A');
      await page().keyboard.type('tqstar.decoding.maxTokens');
      const item = page().locator('.settings-editor .setting-item-contents', { hasText: /Max Tokens/ }).first();
      await item.waitFor();
      const input = item.locator('input').first();
      await input.fill('3');
      await input.press('Tab');
      const written = await poll(page(), async () => readFileSync(join(cs.userDir, 'User', 'settings.json'), 'utf8'), (t) => /"tqstar\.decoding\.maxTokens":\s*3\b/.test(t), 20_000);
      assert.match(written, /"tqstar\.decoding\.maxTokens":\s*3\b/, 'the Settings UI wrote the typed setting');
      await screenshot(page(), 'ux-5-settings-changed');
      // The Settings editor covers the panel (a hidden webview is unloaded): bring the panel back.
      await runCommand(page(), 'Transfer Q*: Open Results Panel');
      const panel = await resultsPanel(page());
      const rerunAt = Date.now();
      await panel.getByRole('button', { name: 'Re-run this prompt with these strategies' }).click();
      await panel.locator('[data-testid="run-summary"] dd', { hasText: /^3$/ }).first().waitFor({ timeout: 60_000 });
      assert.equal((await summaryOf(panel))['max tokens'], '3');
      assert.match(await settledStatus(panel, undefined, rerunAt), /done/);
      const cards = await readCards(panel);
      const tokens = await panel.locator('[data-testid="result-card"][data-strategy="tqstar"] [data-testid="token"]').count();
      assert.ok(tokens >= 1 && tokens <= 3, `TQ* decoded ${tokens} tokens with maxTokens 3`);
      assert.ok(cards.length === 3);
    }));

  test('Export JSON, then `tqstar decode --config` on the file, gives the same outputs (item 14)', { timeout: 300_000 }, () =>
    scenario(page, 'ux-14-export', async () => {
      await runCommand(page(), 'Transfer Q*: Open Results Panel');
      const panel = await resultsPanel(page());
      const shown = await readCards(panel);
      await panel.getByRole('button', { name: /^Export the run/ }).click();
      // code-server's save dialog is a quick input with the default path filled in.
      const box = page().locator('.quick-input-widget .quick-input-box input');
      await box.waitFor({ state: 'visible', timeout: 30_000 });
      await page().waitForTimeout(500);
      await page().keyboard.press('Enter');
      const file = join(cs.workspace, 'tqstar-run.json');
      await poll(page(), async () => existsSync(file), (x) => x, 30_000);
      assert.ok(existsSync(file), 'the export was written');
      const exported = JSON.parse(readFileSync(file, 'utf8')) as { prompt: string; decoding: { seed: number; maxTokens: number }; strategies: string[] };
      assert.equal(exported.decoding.maxTokens, 3);
      const out = await cli(['decode', '--config', file, '--json']);
      assert.equal(out.status, 0, out.stderr);
      const again = (JSON.parse(out.stdout) as { results: Array<{ strategy: string; text: string; reward: number | null }> }).results;
      const norm = (x: string) => x.replace(/\s+/g, ' ').trim();
      for (const c of shown) {
        const r = again.find((a) => a.strategy === c.strategy);
        assert.ok(r, `CLI re-run lacks ${c.strategy}`);
        assert.equal(norm(r.text), norm(c.text), `${c.strategy} text`);
        assert.equal(r.reward?.toFixed(3), c.reward?.toFixed(3), `${c.strategy} reward`);
      }
    }));

  test('high-contrast dark: the chosen row and the best card have a visible outline (item 16)', { timeout: 120_000 }, () =>
    scenario(page, 'ux-16-high-contrast', async () => {
      // Through the theme picker, as a user would.
      await runCommand(page(), 'Preferences: Color Theme');
      await page().locator('.quick-input-widget .quick-input-box input').fill('Dark High Contrast');
      await page().locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark High Contrast' }).first().waitFor();
      await page().keyboard.press('Enter');
      await runCommand(page(), 'Transfer Q*: Open Results Panel');
      const panel = await resultsPanel(page());
      await panel.locator('body.vscode-high-contrast').waitFor({ state: 'attached', timeout: 30_000 });
      const tqCard = panel.locator('[data-testid="result-card"][data-strategy="tqstar"]');
      await tqCard.locator('[data-testid="token"]').first().focus();
      const row = tqCard.locator('[data-testid="candidate-table"] tr.chosen');
      await row.waitFor();
      const outline = await row.evaluate((e) => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth);
      assert.match(outline, /^solid 2px/, `chosen row outline: ${outline}`);
      await row.scrollIntoViewIfNeeded();
    }));
});
