// Errors as notifications with the actions that fix that kind of error, and with server text made inert (no links, no hidden characters).
import * as vscode from 'vscode';
import { errorInfo } from './runPipeline';
import type { ErrorView } from '../webview/protocol';
import { settingForError } from './settings';
import { notificationText } from './notificationText';

export type ErrorAction = 'Open Settings' | 'Try the Demo' | 'Test Connections' | 'Show Log';

/**
 * What can fix each kind: a config error is fixed in Settings (testing connections would only
 * repeat it), a missing endpoint also by trying the demo; an endpoint failure by the setting, a
 * connection test or the request log.
 */
export function actionsFor(info: ErrorView): ErrorAction[] {
  const open: ErrorAction[] = settingForError(info.setting) ? ['Open Settings'] : [];
  switch (info.kind) {
    case 'config':
      return /is not set/.test(info.message) ? [...open, 'Try the Demo'] : [...open, 'Show Log'];
    case 'connection':
    case 'timeout':
    case 'http':
    case 'protocol':
    case 'capability':
      return [...open, 'Test Connections', 'Show Log'];
    default:
      return [...open, 'Show Log'];
  }
}

export function toErrorView(e: unknown): ErrorView {
  return e && typeof e === 'object' && 'kind' in e && 'message' in e && !(e instanceof Error) ? (e as ErrorView) : errorInfo(e);
}

export async function showError(e: unknown | ErrorView, log: vscode.LogOutputChannel): Promise<void> {
  const info = toErrorView(e);
  if (info.kind === 'aborted') return;
  const setting = settingForError(info.setting);
  const full = `Transfer Q*: ${info.message}${info.url && !info.message.includes(info.url) ? ` (${info.url})` : ''}`;
  // The log is plain text; the full message (with whatever the server said) stays there.
  log.error(full);
  const actions = actionsFor(info);
  const pick = await vscode.window.showErrorMessage(notificationText(full), ...actions);
  if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', setting ?? 'tqstar');
  else if (pick === 'Try the Demo') await vscode.commands.executeCommand('tqstar.tryDemo');
  else if (pick === 'Test Connections') await vscode.commands.executeCommand('tqstar.testConnections');
  else if (pick === 'Show Log') log.show(true);
}
