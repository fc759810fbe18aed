// End-to-end: the extension's Details page (VS Code's extension editor showing the packaged README) in
// code-server. Its images must load: the extension editor allows only https: and data: images and
// resolves no relative path, so the package inlines them (scripts/packaged-readme.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureVsix } from '../package/vsix';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { e2eSkip, missingPrereqs } from './harness/prereqs';
import { openWorkbench, runCommand, screenshot, webviewWith, type Workbench } from './harness/workbench';

describe('e2e: the Details page of the installed extension', { skip: e2eSkip(), timeout: 8 * 60_000 }, () => {
  let cs: CodeServer | undefined;
  let wb: Workbench | undefined;
  before(async () => {
    const missing = missingPrereqs();
    if (missing) throw new Error(`e2e prerequisites: ${missing}`);
    // A file in the workspace: openWorkbench waits for the explorer to list it.
    cs = await startCodeServer({ vsix: await ensureVsix(), files: { 'notes.txt': 'Transfer Q*' } });
    wb = await openWorkbench(cs);
  });
  after(async () => {
    await wb?.close();
    await cs?.close();
  });

  test('the README renders with every image loaded', { timeout: 180_000 }, async () => {
    const page = wb!.page;
    try {
      await runCommand(page, 'Extensions: Show Enabled Extensions');
      await page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Transfer Q*' }).first().click();
      const readme = await webviewWith(page, 'h1:has-text("Transfer Q*")', 'the Details page (packaged README)', 90_000);
      const images = readme.locator('img');
      const n = await images.count();
      assert.ok(n >= 1, 'the Details page shows no image');
      for (let i = 0; i < n; i++) {
        const img = images.nth(i);
        await img.scrollIntoViewIfNeeded();
        // Loaded and decoded: a broken image has naturalWidth 0 once complete.
        const size = await img.evaluate(async (el: HTMLImageElement) => {
          if (!el.complete) await new Promise((r) => { el.onload = el.onerror = r; });
          return { w: el.naturalWidth, h: el.naturalHeight, src: el.getAttribute('src')?.slice(0, 40) ?? '' };
        });
        assert.ok(size.w > 0 && size.h > 0, `image ${i + 1} did not load (src ${size.src}…)`);
      }
      // Docs links are text with their path on this page: the extension editor opens only web links.
      assert.equal(await readme.locator('a[href^="docs/"]').count(), 0);
    } finally {
      await screenshot(page, 'details-page').catch(() => undefined);
    }
  });
});
