// Owns reading the results panel: waiting for a run to settle and parsing its ranked cards.
import type { FrameLocator } from 'playwright-core';
import { lastRunCommandAt } from './harness/workbench';

export interface Card { strategy: string; reward: number | null; text: string }

/**
 * The status line once the run settles (done, cancelled or error) — the run the last run-starting command began
 * (runCommand records when), never the previous run the panel still shows while the new one is being set up.
 */
export async function settledStatus(panel: FrameLocator, timeout = 180_000, since = lastRunCommandAt): Promise<string> {
  const status = panel.locator('[data-testid="run-status"]');
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    const started = Number((await status.getAttribute('data-started', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? NaN);
    last = await status.innerText().catch(() => last);
    // A status without a start time is the empty panel ("idle"), never a settled run.
    if (Number.isFinite(started) && started >= since && /done|cancelled|error/.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`the run did not settle within ${timeout} ms; status: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function readCards(panel: FrameLocator): Promise<Card[]> {
  const cards = panel.locator('[data-testid="result-card"]');
  const out: Card[] = [];
  for (let i = 0; i < (await cards.count()); i++) {
    const c = cards.nth(i);
    const reward = (await c.locator('[data-testid="reward"]').innerText()).trim().replace('\u2212', '-');
    out.push({
      strategy: (await c.getAttribute('data-strategy')) ?? '',
      reward: reward === '—' ? null : Number(reward),
      text: await c.locator('[data-testid="output-text"]').innerText(),
    });
  }
  return out;
}

export async function errorTexts(panel: FrameLocator): Promise<string[]> {
  return panel.locator('[data-testid="error"]').allInnerTexts();
}
