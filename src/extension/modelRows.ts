// What the "Models" side view lists: the current base, baseline and reward, and how the last Test Connections found them. Pure (no vscode).
import type { RunConfig } from '../config/schema';
import { host, where } from '../webview/progress';

export type Health = { ok: boolean; problems: string[]; at: number };
export type ModelRole = 'base' | 'baseline' | 'reward';
export interface ModelRow { role: ModelRole; label: string; description: string; state: 'ok' | 'problem' | 'untested' | 'unset'; tooltip: string; setting: string }

const LABELS: Record<ModelRole, string> = { base: 'Base π_base', baseline: 'Baseline ρ_BL', reward: 'Reward r' };

function describe(role: ModelRole, config: RunConfig): string {
  if (role === 'reward') {
    const r = config.reward as { kind: string; name?: string; model?: string; baseUrl?: string };
    return r.kind === 'builtin' ? `builtin ${r.name ?? ''}`.trim() : [r.kind, r.model, r.baseUrl ? `@ ${host(r.baseUrl)}` : null].filter(Boolean).join(' ');
  }
  return where(config[role]);
}

/** One row per role; with settings that do not form a run yet, the roles say what is missing. */
export function modelRows(config: RunConfig | { error: string }, health: Partial<Record<ModelRole, Health>>): ModelRow[] {
  return (['base', 'baseline', 'reward'] as const).map((role): ModelRow => {
    const setting = role === 'reward' ? 'tqstar.reward.kind' : `tqstar.${role}.baseUrl`;
    if ('error' in config) return { role, label: LABELS[role], description: 'not configured', state: 'unset', tooltip: config.error, setting };
    const h = health[role];
    const description = describe(role, config);
    if (!h) return { role, label: LABELS[role], description, state: 'untested', tooltip: `${description}\nNot tested yet: run Test Connections.`, setting };
    const when = new Date(h.at).toLocaleTimeString();
    return h.ok
      ? { role, label: LABELS[role], description, state: 'ok', tooltip: `${description}\nReachable and OK (Test Connections, ${when}).`, setting }
      : { role, label: LABELS[role], description, state: 'problem', tooltip: `${description}\n${h.problems.join('\n') || 'not OK'} (Test Connections, ${when}).`, setting };
  });
}
