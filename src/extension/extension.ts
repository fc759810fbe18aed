// VS Code entry point: build the context, register the command table, open the walkthrough once; everything else lives in the context.
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { COMMAND_TABLE } from './commands';
import { openWalkthroughOnce } from './walkthrough';
import { EVAL_VIEW_TYPE, evalSerializer } from './evaluate';

export function activate(ext: vscode.ExtensionContext): void {
  const ctx = new Ctx(ext);
  ext.subscriptions.push(ctx);
  for (const [id, factory] of Object.entries(COMMAND_TABLE)) ext.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  ext.subscriptions.push(vscode.window.registerWebviewPanelSerializer(EVAL_VIEW_TYPE, evalSerializer(ctx)));
  openWalkthroughOnce(ext, ctx.log);
}

export function deactivate(): void {}
