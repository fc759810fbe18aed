// The one typed view of the tqstar.* settings inside VS Code: what the user set, scope by scope, without the contributed defaults.
import * as vscode from 'vscode';
import type { RunConfig } from '../config/schema';
import { runConfigFromSettings, type SettingsReader } from './settings';

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

/**
 * The user's own value of `tqstar.<key>`: folder over workspace over user, objects merged as VS Code
 * merges them. Defaults are left out on purpose: VS Code folds the flat settings' defaults into the
 * object settings' values ("tqstar.base" would read { dialect: "auto", … } with nothing set), and the
 * zod schema supplies every default anyway.
 */
export function userValue(section: vscode.WorkspaceConfiguration, key: string): unknown {
  const i = section.inspect(key);
  if (!i) return undefined;
  return [i.globalValue, i.workspaceValue, i.workspaceFolderValue].reduce<unknown>((acc, v) => deepMerge(acc, v), undefined);
}

export class Config {
  /** Validated RunConfig; throws TqError('config') naming the setting to fix. */
  runConfig(): RunConfig {
    const c = vscode.workspace.getConfiguration('tqstar');
    const read: SettingsReader = (key) => userValue(c, key);
    return runConfigFromSettings(read);
  }

  affects(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration('tqstar');
  }
}
