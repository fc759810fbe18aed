// Owns reading the results panel: waiting for a run to settle and parsing its ranked cards.
import type { FrameLocator } from 'playwright-core';

export interface Card { strategy: string; reward: number | null; text: string }

/** Waits until the run status reads done, cancelled or error, and returns that text. */
export async function settledStatus(panel: FrameLocator, timeout = 180_000): Promise<string> {
  const status = panel.locator('[data-testid="run-status"]');
  await status.filter({ hasText: /done|cancelled|error/ }).waitFor({ timeout });
  return status.innerText();
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
