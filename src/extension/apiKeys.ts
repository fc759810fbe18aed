// API keys in SecretStorage, one per endpoint role; never in settings, never logged.
import type * as vscode from 'vscode';

export const ROLES = ['base', 'baseline', 'reward', 'baselineReward'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  base: 'Base model (tqstar.base)',
  baseline: 'Baseline model (tqstar.baseline)',
  reward: 'Reward (tqstar.reward)',
  baselineReward: 'Baseline reward (tqstar.baselineReward)',
};

export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}
  private key(role: Role) { return `tqstar.apiKey.${role}`; }
  get(role: Role): Promise<string | undefined> { return Promise.resolve(this.secrets.get(this.key(role))); }
  set(role: Role, value: string): Promise<void> { return Promise.resolve(this.secrets.store(this.key(role), value)); }
  clear(role: Role): Promise<void> { return Promise.resolve(this.secrets.delete(this.key(role))); }
  async stored(): Promise<Role[]> {
    const out: Role[] = [];
    for (const r of ROLES) if (await this.get(r)) out.push(r);
    return out;
  }
}
