// VS Code entry point: build the context, register the command table, open the walkthrough once; everything else lives in the context.
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { COMMAND_TABLE, WALKTHROUGH_ID } from './commands';

const WELCOMED = 'tqstar.walkthroughOpened';

export function activate(ext: vscode.ExtensionContext): void {
  const ctx = new Ctx(ext);
  ext.subscriptions.push(ctx);
  for (const [id, factory] of Object.entries(COMMAND_TABLE)) ext.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  openWalkthroughOnce(ext);
}

/**
 * The first activation after install opens Get Started (VS Code opens walkthroughs itself only for
 * installs from the Marketplace view), unless the user turned walkthroughs-on-install off.
 */
function openWalkthroughOnce(ext: vscode.ExtensionContext): void {
  if (ext.globalState.get<boolean>(WELCOMED)) return;
  void ext.globalState.update(WELCOMED, true);
  if (vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall') === false) return;
  void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
}

export function deactivate(): void {}
