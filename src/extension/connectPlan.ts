// What "Connect Models…" asks a server and writes: its model list, and the answers of the guided flow as typed flat settings. No vscode, so it is unit-tested.
import { Endpoint } from '../backends/endpoint';
import { listModels } from '../backends/probe';
import { TqError } from '../core/errors';
import { ENUM_DOCS } from './settingsSchema';

type Role = 'base' | 'baseline' | 'reward';


export type ModelSource = { kind: 'server'; baseUrl: string; model: string } | { kind: 'gguf'; path: string };

/** The reward kinds the flow offers, with the fields each one needs (the others stay in the JSON form). */
export const REWARD_FIELDS: Record<string, Array<'baseUrl' | 'model' | 'name' | 'pattern' | 'target' | 'family' | 'vendor'>> = {
  builtin: ['name'],
  'vllm-pooling': ['baseUrl', 'model'],
  'vllm-classify': ['baseUrl', 'model'],
  'vllm-score': ['baseUrl', 'model'],
  tei: ['baseUrl'],
  openrlhf: ['baseUrl'],
  judge: ['baseUrl', 'model'],
  'vscode-lm': [],
};
export const REWARD_KINDS = Object.keys(REWARD_FIELDS);
export const rewardKindDoc = (k: string): string => ENUM_DOCS.kind?.[k] ?? k;

export interface RewardAnswer { kind: string; fields: Record<string, string | number> }

export interface ConnectAnswers {
  base: ModelSource;
  baseline: ModelSource;
  reward?: RewardAnswer;
}

const MODEL_FIELDS = ['baseUrl', 'model', 'gguf'] as const;
const REWARD_ALL = ['kind', 'baseUrl', 'model', 'name', 'pattern', 'target', 'family', 'vendor', 'mode', 'instruction', 'template', 'responsePath'] as const;

/**
 * The settings to write, keyed by full id; `undefined` clears a setting, so a file chosen now does not
 * leave an old URL beside it (and a reward of a new kind no fields of the old one).
 */
export function connectionSettings(a: ConnectAnswers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const role of ['base', 'baseline'] as const) {
    const src = a[role];
    for (const f of MODEL_FIELDS) out[`tqstar.${role}.${f}`] = undefined;
    if (src.kind === 'server') Object.assign(out, { [`tqstar.${role}.baseUrl`]: src.baseUrl, [`tqstar.${role}.model`]: src.model });
    else out[`tqstar.${role}.gguf`] = src.path;
  }
  if (a.reward) {
    for (const f of REWARD_ALL) out[`tqstar.reward.${f}`] = undefined;
    out['tqstar.reward.kind'] = a.reward.kind;
    for (const [k, v] of Object.entries(a.reward.fields)) out[`tqstar.reward.${k}`] = v;
  }
  return out;
}

/** A server URL as the settings want it: http(s), no trailing slash; models under /v1. */
export function normaliseUrl(input: string): { ok: true; url: string } | { ok: false; reason: string } {
  const t = input.trim();
  let u: URL;
  try { u = new URL(t); } catch { return { ok: false, reason: 'not a URL: type e.g. http://localhost:8000/v1' }; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, reason: 'the URL must start with http:// or https://' };
  if (u.username || u.password) return { ok: false, reason: 'no credentials in the URL: store keys with "Transfer Q*: Set API Key…"' };
  return { ok: true, url: t.replace(/\/+$/, '') };
}

/** The models a server lists at /v1/models: fast (no retries of a refused connection), bounded in time. */
export async function probeModels(url: string, apiKey?: string, role: Role = 'base'): Promise<{ ok: true; models: string[] } | { ok: false; message: string }> {
  const ep = new Endpoint({ role, baseUrls: [url], apiKey, timeoutMs: 8_000, maxConcurrency: 1, settingPrefix: `tqstar.${role}`, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
  try {
    return { ok: true, models: await listModels(ep) };
  } catch (e) {
    return { ok: false, message: e instanceof TqError ? e.message : String(e) };
  }
}

