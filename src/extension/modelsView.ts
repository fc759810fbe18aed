// The "Models" side view: what Transfer Q* is connected to (base, baseline, reward) and their health from the last Test Connections.
import * as vscode from 'vscode';
import type { Config } from './config';
import { modelRows, type Health, type ModelRole, type ModelRow } from './modelRows';

export const MODELS_VIEW_ID = 'tqstar.models';

const ICONS: Record<ModelRow['state'], [string, string | undefined]> = {
  ok: ['pass', 'testing.iconPassed'],
  problem: ['error', 'testing.iconFailed'],
  untested: ['circle-large-outline', undefined],
  unset: ['warning', 'list.warningForeground'],
};

export class ModelsView implements vscode.TreeDataProvider<ModelRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private health: Partial<Record<ModelRole, Health>> = {};
  private readonly sub: vscode.Disposable;

  constructor(private readonly config: Config) {
    // New settings: what was tested before no longer says anything about them.
    this.sub = vscode.workspace.onDidChangeConfiguration?.((e) => { if (e.affectsConfiguration('tqstar')) { this.health = {}; this.changed.fire(undefined); } }) ?? { dispose() {} };
  }

  /** After Test Connections: one report per endpoint role. */
  report(reports: Array<{ role: string; ok: boolean; problems: string[] }>): void {
    const at = Date.now();
    for (const r of reports) if (r.role === 'base' || r.role === 'baseline' || r.role === 'reward') this.health[r.role] = { ok: r.ok, problems: r.problems, at };
    this.changed.fire(undefined);
  }

  getChildren(): ModelRow[] {
    let config;
    try { config = this.config.runConfig(); } catch (e) { config = { error: e instanceof Error ? e.message : String(e) }; }
    return modelRows(config, this.health);
  }

  getTreeItem(row: ModelRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label);
    item.description = row.description;
    item.tooltip = row.tooltip;
    const [icon, color] = ICONS[row.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.command = { command: 'workbench.action.openSettings', title: 'Open the setting', arguments: [row.setting] };
    return item;
  }

  dispose(): void { this.sub.dispose(); this.changed.dispose?.(); }
}
