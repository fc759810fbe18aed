// Errors as notifications with the actions that fix them: Open Settings (on the named setting), Test Connections, Show Log.
import * as vscode from 'vscode';
import { errorInfo } from './runPipeline';
import type { ErrorView } from '../webview/protocol';
import { settingForError } from './settings';

export async function showError(e: unknown | ErrorView, log: vscode.LogOutputChannel): Promise<void> {
  const info = e && typeof e === 'object' && 'kind' in e && 'message' in e && !(e instanceof Error) ? (e as ErrorView) : errorInfo(e);
  if (info.kind === 'aborted') return;
  const setting = settingForError(info.setting);
  const text = `Transfer Q*: ${info.message}${info.url && !info.message.includes(info.url) ? ` (${info.url})` : ''}`;
  log.error(text);
  const actions = ['Open Settings', 'Test Connections', 'Show Log'];
  const pick = await vscode.window.showErrorMessage(text, ...actions);
  if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', setting ?? 'tqstar');
  else if (pick === 'Test Connections') await vscode.commands.executeCommand('tqstar.testConnections');
  else if (pick === 'Show Log') log.show(true);
}
