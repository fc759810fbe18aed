// The one typed view of the tqstar.* settings inside VS Code.
import * as vscode from 'vscode';
import type { RunConfig } from '../config/schema';
import { runConfigFromSettings, type SettingKey } from './settings';

export class Config {
  /** Validated RunConfig; throws TqError('config') naming the setting to fix. */
  runConfig(): RunConfig {
    const c = vscode.workspace.getConfiguration('tqstar');
    return runConfigFromSettings((key: SettingKey) => c.get(key));
  }

  affects(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration('tqstar');
  }
}
