// Maps the tqstar.* settings (typed flat ones and the JSON objects) onto a validated RunConfig; an invalid value becomes one TqError naming the setting that fixes it.
import { RunConfig } from '../config/schema';
import { TqError } from '../core/errors';
import { FLAT_GROUPS, SETTING_KEYS, flatSettings, isRewardGroup, settingId, type FlatSetting, type SettingKey } from './settingsSchema';

export { SETTING_KEYS, settingId, type SettingKey } from './settingsSchema';

const REQUIRED: ReadonlySet<SettingKey> = new Set(['base', 'baseline', 'reward']);

/**
 * What the user set for a key relative to `tqstar.` ('decoding', 'decoding.topK'), ignoring the
 * contributed defaults (the schema supplies those); undefined when not set.
 */
export type SettingsReader = (key: string) => unknown;

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

// VS Code reports an unset object setting as {} (its type's default), so empty means "not configured".
function isUnset(v: unknown): boolean {
  return v === undefined || v === null || (isPlainObject(v) && Object.keys(v).length === 0);
}

/** A flat setting's value, or undefined for "not set": "" (an unset string) and null (an unset number). */
function flatValue(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

/** VS Code folds flat settings into the object's value: an unset flat one ("" or null) must not reach the schema. */
function withoutUnsetLeaves(raw: unknown, own: FlatSetting[]): unknown {
  if (!isPlainObject(raw)) return raw;
  const out = structuredClone(raw);
  for (const f of own) {
    let cur: unknown = out;
    for (const p of f.path.slice(0, -1)) cur = isPlainObject(cur) ? cur[p] : undefined;
    if (isPlainObject(cur) && flatValue(cur[f.path.at(-1)!]) === undefined) delete cur[f.path.at(-1)!];
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    cur[p] = isPlainObject(cur[p]) ? { ...(cur[p] as object) } : {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = value;
}

/**
 * One group's object: the JSON object setting with the typed flat settings laid over it (flat wins).
 * For a reward, the flat `kind` picks the variant: fields of other kinds are leftovers of an earlier
 * choice in the Settings UI and are dropped, and a JSON object of another kind is set aside.
 */
export function groupValue(group: string, read: SettingsReader): unknown {
  const own = flatSettings().filter((f) => f.group === group);
  const raw = withoutUnsetLeaves(read(group), own);
  const flats: Array<[FlatSetting, unknown]> = own
    .map((f): [FlatSetting, unknown] => [f, flatValue(read(f.id.slice('tqstar.'.length)))])
    .filter(([, v]) => v !== undefined);
  if (!flats.length) return raw;
  let obj: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  if (isRewardGroup(group)) {
    const flatKind = flats.find(([f]) => f.path[0] === 'kind')?.[1];
    const kind = (flatKind ?? obj.kind) as string | undefined;
    if (flatKind !== undefined && obj.kind !== undefined && obj.kind !== flatKind) obj = {};
    const usedBy = (f: FlatSetting) => f.path[0] === 'kind' || (kind !== undefined && f.kinds!.includes(kind));
    for (const [f] of flats) if (!usedBy(f)) delete obj[f.path[0]!];
    for (const [f, v] of flats) if (usedBy(f)) setPath(obj, f.path, v);
    return obj;
  }
  for (const [f, v] of flats) setPath(obj, f.path, v);
  return obj;
}

/**
 * Reads each setting through `read` and validates the whole RunConfig with the shared zod schema.
 * Throws TqError kind 'config' whose `setting` is the most precise setting that fixes it (a flat
 * one such as tqstar.decoding.topK where it exists) and whose message has the full key path.
 */
export function runConfigFromSettings(read: SettingsReader): RunConfig {
  const input: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const v = (FLAT_GROUPS as readonly string[]).includes(key) ? groupValue(key, read) : read(key);
    if (isUnset(v)) {
      if (REQUIRED.has(key)) {
        throw new TqError('config', `${settingId(key)} is not set: give the ${describeRole(key)} (the README's quick start shows how), or run "Transfer Q*: Try the Demo" to see it work without any server.`, { setting: firstFlat(key) });
      }
      if (key !== 'decoding') continue;
    }
    input[key] = isUnset(v) && key === 'decoding' ? {} : v;
  }
  const r = RunConfig.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String);
  const where = settingId(path.join('.'));
  const unknownKeys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  throw new TqError('config', `${where}: ${issue.message}${unknownKeys}`, { setting: settingForError(where) ?? settingId(path[0] ?? 'base') });
}

function firstFlat(key: SettingKey): string {
  return flatSettings().find((f) => f.group === key)?.id ?? settingId(key);
}

function describeRole(key: SettingKey): string {
  switch (key) {
    case 'base': return 'base model endpoint π_base (tqstar.base.baseUrl and tqstar.base.model, e.g. http://localhost:8000/v1 and the model name)';
    case 'baseline': return 'aligned baseline model endpoint ρ_BL (tqstar.baseline.baseUrl and tqstar.baseline.model)';
    case 'reward': return 'reward source (tqstar.reward.kind, e.g. "builtin" with tqstar.reward.name "sentiment", or "vllm-pooling" with a baseUrl and model)';
    default: return key;
  }
}

/**
 * The setting id an error points at, whatever form the producer used ("base.baseUrl",
 * "tqstar.reward", "decoding.topK"): the flat setting when one exists for that field, else the
 * object setting it belongs to.
 */
export function settingForError(setting: string | undefined): string | undefined {
  if (!setting) return undefined;
  const rel = setting.replace(/^tqstar\./, '');
  const top = rel.split('.')[0]!;
  if (!(SETTING_KEYS as readonly string[]).includes(top)) return undefined;
  const flat = flatSettings().map((f) => f.id);
  // The longest flat setting that the path starts with: "base.baseUrl.0" → tqstar.base.baseUrl.
  const parts = rel.split('.');
  for (let n = parts.length; n > 1; n--) {
    const id = settingId(parts.slice(0, n).join('.'));
    if (flat.includes(id)) return id;
  }
  return settingId(top);
}
