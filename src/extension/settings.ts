// Maps the tqstar.* settings onto a validated RunConfig; an invalid value becomes one TqError naming the setting that fixes it.
import { RunConfig } from '../config/schema';
import { TqError } from '../core/errors';

/** The RunConfig keys that are settings, each as `tqstar.<key>`. */
export const SETTING_KEYS = ['base', 'baseline', 'reward', 'baselineReward', 'decoding', 'strategies'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export const settingId = (key: SettingKey | string) => `tqstar.${key}`;

const REQUIRED: ReadonlySet<SettingKey> = new Set(['base', 'baseline', 'reward']);

// VS Code reports an unset object setting as {} (its type's default), so empty means "not configured".
function isUnset(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/**
 * Reads each setting through `get` (e.g. workspace.getConfiguration('tqstar').get) and validates
 * the whole RunConfig with the shared zod schema. Throws TqError kind 'config' with `setting`
 * set to the top-level setting id and a message with the full key path.
 */
export function runConfigFromSettings(get: (key: SettingKey) => unknown): RunConfig {
  const input: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const v = get(key);
    if (isUnset(v)) {
      if (REQUIRED.has(key)) {
        throw new TqError('config', `${settingId(key)} is not set: give the ${describeRole(key)} (see README, "The VS Code extension"), or run "Transfer Q*: Try the Demo" to see it work without any server.`, { setting: settingId(key) });
      }
      if (key !== 'decoding') continue;
    }
    input[key] = isUnset(v) && key === 'decoding' ? {} : v;
  }
  const r = RunConfig.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const [top, ...rest] = issue.path.map(String);
  const where = [settingId(top ?? ''), ...rest].join('.');
  const unknownKeys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  throw new TqError('config', `${where}: ${issue.message}${unknownKeys}`, { setting: settingId(top ?? 'base') });
}

function describeRole(key: SettingKey): string {
  switch (key) {
    case 'base': return 'base model endpoint π_base as { "baseUrl": "http://localhost:8000/v1", "model": "…" }';
    case 'baseline': return 'aligned baseline model endpoint ρ_BL as { "baseUrl": …, "model": … }';
    case 'reward': return 'reward source, e.g. { "kind": "vllm-pooling", "baseUrl": "http://localhost:8002", "model": "…" } or { "kind": "builtin", "name": "sentiment" }';
    default: return key;
  }
}

/** The setting id an error points at, whatever form the producer used ("base.baseUrl", "tqstar.reward", "decoding.topK"). */
export function settingForError(setting: string | undefined): string | undefined {
  if (!setting) return undefined;
  const top = setting.replace(/^tqstar\./, '').split('.')[0]!;
  return (SETTING_KEYS as readonly string[]).includes(top) ? settingId(top) : undefined;
}
