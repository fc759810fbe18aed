// Opening the Get Started walkthrough so that it really shows, also on first start when VS Code's own Welcome page is up.
//
// `workbench.action.openWalkthrough` (VS Code's gettingStarted contribution, 1.100) behaves differently
// when a Welcome editor is already the active editor of a group: it asks that page to switch to the
// walkthrough instead of opening one, and returns without doing anything when that page already shows
// a walkthrough step (`if (input.selectedCategory && input.selectedStep) return;`) — the case on first
// start, where VS Code (code-server: "Walkthrough: Setup VS Code Web") opens its own walkthrough. With no Welcome editor open, the command opens a new Welcome editor
// with the walkthrough selected, which is reliable. So: close VS Code's own Welcome tab first (an
// editor VS Code opened for first start, with no user state), then open the walkthrough.
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'tqstar-dev.tqstar#tqstar.gettingStarted';

/**
 * VS Code's Welcome / walkthrough editors: tabs with no API-visible input, labelled "Welcome" or
 * "Walkthrough: …" (the title a walkthrough gives the page, e.g. "Walkthrough: Setup VS Code Web").
 */
export function isWelcomeTab(t: { input: unknown; label: string }): boolean {
  return t.input === undefined && /^(Welcome|Walkthrough: .+)$/i.test(t.label);
}

function welcomeTabs(): vscode.Tab[] {
  const tabs = vscode.window.tabGroups?.all.flatMap((g) => g.tabs) ?? [];
  return tabs.filter(isWelcomeTab);
}

export async function openWalkthrough(log?: { info(s: string): void }): Promise<void> {
  const welcome = welcomeTabs();
  if (welcome.length) {
    log?.info(`Get Started: closing VS Code's Welcome page first (${welcome.length} tab${welcome.length === 1 ? '' : 's'}) so the walkthrough opens in a fresh Welcome editor`);
    await vscode.window.tabGroups.close(welcome, true);
  }
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
}

const WELCOMED = 'tqstar.walkthroughOpened';
/** After startup: VS Code's own Welcome page opens late in startup, and would be opened over ours. */
const AFTER_STARTUP_MS = 1500;

/**
 * The first activation after install opens Get Started (VS Code opens walkthroughs itself only for
 * installs from the Marketplace view), unless the user turned walkthroughs-on-install off.
 */
export function openWalkthroughOnce(ext: vscode.ExtensionContext, log?: { info(s: string): void }, delayMs = AFTER_STARTUP_MS): void {
  if (ext.globalState.get<boolean>(WELCOMED)) return;
  void ext.globalState.update(WELCOMED, true);
  if (vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall') === false) return;
  const timer = setTimeout(() => { void openWalkthrough(log).catch((e) => log?.info(`Get Started: could not open the walkthrough: ${String(e)}`)); }, delayMs);
  ext.subscriptions.push({ dispose: () => clearTimeout(timer) });
}
