// Says once per session that an untrusted workspace's endpoint and reward settings are ignored, with the action that changes it.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

let told = false;

/**
 * VS Code drops a restricted setting's workspace value in an untrusted workspace (package.json
 * capabilities.untrustedWorkspaces), silently: a run then goes to the user-settings endpoints.
 */
export function noticeUntrusted(ctx: Ctx): void {
  if (told || vscode.workspace.isTrusted !== false) return;
  told = true;
  ctx.log.warn('workspace not trusted: the workspace values of tqstar.base*, tqstar.baseline*, tqstar.reward* and tqstar.baselineReward* are ignored; user settings are used');
  void vscode.window
    .showInformationMessage('Transfer Q*: this workspace is not trusted, so its endpoint and reward settings (tqstar.base.*, tqstar.baseline.*, tqstar.reward.*) are ignored: the run uses your user settings. Trust the workspace to use its settings.', 'Manage Workspace Trust')
    .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
}

/** For tests: forget that the notice was shown. */
export function resetTrustNotice(): void {
  told = false;
}
