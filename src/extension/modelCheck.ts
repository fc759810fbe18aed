// Turns "HTTP 404" from a model endpoint into the error it usually is — a model name the server does not have — naming tqstar.<role>.model and listing the served models.
// Runs under Node alone (no vscode): the run pipeline and Test Connections both use it.
import type { ModelEndpoint, RunConfig } from '../config/schema';
import { Endpoint } from '../backends/endpoint';
import { listModels } from '../backends/probe';
import type { ErrorView } from '../webview/protocol';

type ModelRole = 'base' | 'baseline';
const SHOWN = 12;

/** The served models when `cfg.model` is not among them; null when it is, or the server lists none. */
export async function missingModel(cfg: ModelEndpoint, role: ModelRole, apiKey?: string, signal?: AbortSignal): Promise<{ served: string[]; url: string } | null> {
  const baseUrls = Array.isArray(cfg.baseUrl) ? cfg.baseUrl : [cfg.baseUrl];
  const key = apiKey ?? (cfg.apiKeyEnv ? process.env[cfg.apiKeyEnv] : undefined);
  const ep = new Endpoint({ role, baseUrls, apiKey: key, timeoutMs: Math.min(cfg.timeoutMs, 15_000), maxConcurrency: 1, settingPrefix: `tqstar.${role}` });
  let served: string[];
  try {
    served = await listModels(ep, signal);
  } catch {
    return null;
  }
  if (!served.length || served.includes(cfg.model)) return null;
  return { served, url: ep.urlOf({ v1: '/models' }) };
}

export function modelErrorView(role: ModelRole, model: string, found: { served: string[]; url: string }): ErrorView {
  const list = found.served.slice(0, SHOWN).map((m) => `"${m}"`).join(', ') + (found.served.length > SHOWN ? `, and ${found.served.length - SHOWN} more` : '');
  return {
    kind: 'config',
    message: `tqstar.${role}.model: the server has no model "${model}"; ${found.url} lists ${list}.`,
    url: found.url,
    setting: `tqstar.${role}.model`,
  };
}

/**
 * A 404 (or any error that blames a model endpoint's URL) is checked against /v1/models: when the
 * configured model is not served there, the error names the model setting instead of the URL.
 */
export async function explainModelError(error: ErrorView, config: RunConfig, apiKey: (role: ModelRole) => Promise<string | undefined> | string | undefined, signal?: AbortSignal): Promise<ErrorView> {
  const m = /^tqstar\.(base|baseline)\.baseUrl$/.exec(error.setting ?? '');
  if (!m || !(error.kind === 'http' && /\b404\b/.test(error.message))) return error;
  const role = m[1] as ModelRole;
  const { baseUrl, model } = config[role];
  // A gguf endpoint has no server of the user's to ask: its errors name the file already.
  if (baseUrl === undefined || model === undefined) return error;
  const found = await missingModel({ ...config[role], baseUrl, model }, role, await apiKey(role), signal);
  return found ? modelErrorView(role, model, found) : error;
}

/** The configured URLs by the setting that holds them, for naming the setting behind an error's URL. */
function urlSettings(config: RunConfig): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (setting: string, u: unknown) => { for (const x of Array.isArray(u) ? u : [u]) if (typeof x === 'string' && x) out.push([setting, x.replace(/\/+$/, '')]); };
  add('tqstar.base.baseUrl', config.base.baseUrl);
  add('tqstar.baseline.baseUrl', config.baseline.baseUrl);
  add('tqstar.reward.baseUrl', (config.reward as { baseUrl?: unknown }).baseUrl);
  if (config.baselineReward) add('tqstar.baselineReward.baseUrl', (config.baselineReward as { baseUrl?: unknown }).baseUrl);
  return out;
}

/**
 * "answered HTTP 405" (a method the server does not allow) means the URL is not a model server's
 * API at all (a web page, a proxy's root): the error says so and names the setting holding the URL.
 */
export function explainNotAModelServer(error: ErrorView, config: RunConfig): ErrorView {
  if (error.kind !== 'http' || !/\bHTTP 405\b/.test(error.message)) return error;
  const at = error.url ?? /(https?:\/\/\S+?) answered/.exec(error.message)?.[1];
  const setting = error.setting ?? (at ? urlSettings(config).find(([, u]) => at.startsWith(u))?.[0] : undefined);
  const where = setting ? `check ${setting}` : 'check the model and reward URLs in the settings';
  return { ...error, ...(setting ? { setting } : {}), message: `${error.message} — this URL does not look like an OpenAI-compatible model server (it does not accept the request's method); ${where}: it should end in /v1 for a model, e.g. http://localhost:8000/v1.` };
}
