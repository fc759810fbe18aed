// Public API of the backends: a DecodeEnv from a RunConfig, capability probes, and config loading.
import type { ModelEndpoint, RewardConfig, RunConfig } from '../config/schema';
import { EnginePool } from '../engine/pool';
import { TqError } from '../core/errors';
import type { RewardSource } from '../core/model';
import type { DecodeEnv } from '../core/index';
import { DIALECT_CAPABILITIES, type CapabilityReport } from './capabilities';
import { Endpoint, type RequestLog } from './endpoint';
import { HttpLanguageModel } from './httpModel';
import { capabilitiesFor, capabilityProblems, describeCapabilities, detectCapabilities, listModels } from './probe';
import { makeReward, type RewardFactory } from './rewards/index';
import { describeRoutes, isVllmReward, probeVllmRoutes } from './rewards/routes';
import { serveLocalModels, type EndpointConfig } from './localModels';

export { loadRunConfig } from './loadConfig';
export { openaiBaseUrl, serverRoot } from './url';
export { Endpoint, type RequestLog, type RequestLogLine } from './endpoint';
export { HttpLanguageModel } from './httpModel';
export { makeReward, type RewardFactory } from './rewards/index';
export { DIALECT_CAPABILITIES, type Capabilities, type CapabilityReport } from './capabilities';
export { EnginePool } from '../engine/pool';
export { engineCrashError } from './localModels';

export type ModelRole = 'base' | 'baseline';
export type Role = ModelRole | 'reward' | 'baselineReward';

export interface BackendOptions {
  /** The API key of a role; default: the environment variable named by the role's apiKeyEnv. */
  apiKey?: (role: Role) => Promise<string | undefined>;
  /** One line per HTTP request (never contains a key). */
  log?: RequestLog;
  /** Reward kinds built outside the backends (the extension's 'vscode-lm'); 'builtin:NAME' overrides a builtin. */
  rewardFactories?: Record<string, RewardFactory>;
  signal?: AbortSignal;
  /** Engines for `gguf` endpoints, kept between runs by a long-lived host (the extension); default: one per buildEnv, closed by dispose(). */
  engines?: EnginePool;
  /** Where relative `gguf` paths start: the config file's folder or the workspace (default: the working directory). */
  baseDir?: string;
  /** How requests pick among a role's replicas (EndpointOptions.routing; default 'affinity'). */
  routing?: 'affinity' | 'least-outstanding';
}

async function keyFor(role: Role, apiKeyEnv: string | undefined, opts: BackendOptions): Promise<string | undefined> {
  const fromHost = await opts.apiKey?.(role);
  if (fromHost) return fromHost;
  return apiKeyEnv ? process.env[apiKeyEnv] : undefined;
}

function modelEndpoint(role: ModelRole, cfg: ModelEndpoint, apiKey: string | undefined, log: RequestLog | undefined, routing?: BackendOptions['routing'], localFile?: string): Endpoint {
  return new Endpoint({
    ...(localFile ? { localFile } : {}),
    role,
    baseUrls: Array.isArray(cfg.baseUrl) ? cfg.baseUrl : [cfg.baseUrl],
    apiKey,
    timeoutMs: cfg.timeoutMs,
    maxConcurrency: cfg.maxConcurrency,
    log,
    settingPrefix: `tqstar.${role}`,
    routing,
  });
}

async function buildModel(role: ModelRole, cfg: ModelEndpoint, config: EndpointConfig, opts: BackendOptions, warnings: string[]): Promise<HttpLanguageModel> {
  const ep = modelEndpoint(role, cfg, await keyFor(role, cfg.apiKeyEnv, opts), opts.log, opts.routing, config.localFiles?.[role]);
  const { caps, notes } = await capabilitiesFor(ep, cfg, opts.signal);
  const problems = capabilityProblems(role, caps, config.decoding);
  // A top-k the server cannot give fails every step: say so before the run starts.
  const fatal = problems.find((p) => p.startsWith('top-k'));
  if (fatal) throw new TqError('capability', `${ep.urlOf({ v1: '/completions' })}: ${fatal}`, { url: ep.urlOf({ v1: '/completions' }), setting: 'tqstar.decoding.topK' });
  // The model itself words the text-prompt (drift) warning.
  for (const p of problems) if (!p.startsWith('text prompts')) warnings.push(`${role} (${ep.baseUrl}): ${p}`);
  if (cfg.dialect === 'auto') for (const n of notes) warnings.push(`${role} (${ep.baseUrl}): ${n}`);
  const model = new HttpLanguageModel(ep, cfg, caps);
  warnings.push(...model.warnings.filter((w) => !warnings.includes(w)));
  return model;
}

async function buildReward(role: 'reward' | 'baselineReward', cfg: RewardConfig, opts: BackendOptions): Promise<RewardSource> {
  const apiKeyEnv = 'apiKeyEnv' in cfg ? cfg.apiKeyEnv : undefined;
  return makeReward(cfg, { role, apiKey: await keyFor(role, apiKeyEnv, opts), log: opts.log, factories: opts.rewardFactories });
}

/**
 * Everything the core needs to decode against the configured servers. `setupRequests`: the HTTP requests building it
 * sent (capability probe, tokenizer, /props, EOS sample), which a run's own count does not include; a reported total
 * adds them (every HTTP request the product sends counts).
 */
export async function buildEnv(settings: RunConfig, opts: BackendOptions = {}): Promise<{ env: DecodeEnv; warnings: string[]; setupRequests: number; dispose(): Promise<void> }> {
  const warnings: string[] = [];
  const engines = opts.engines ?? new EnginePool();
  const dispose = () => (opts.engines ? Promise.resolve() : engines.dispose());
  let config: EndpointConfig;
  try {
    config = await serveLocalModels(settings, engines, opts.baseDir);
  } catch (e) {
    await dispose();
    throw e;
  }
  const built = buildFrom(config, opts, warnings);
  built.catch(() => dispose());
  const env = await built;
  const models = [...new Set([env.base, env.baseline])].filter((m): m is HttpLanguageModel => m instanceof HttpLanguageModel);
  return { env, warnings, setupRequests: models.reduce((n, m) => n + m.requestsSent, 0), dispose };
}

async function buildFrom(config: EndpointConfig, opts: BackendOptions, warnings: string[]): Promise<DecodeEnv> {
  const [base, baseline, reward, baselineReward] = await Promise.all([
    buildModel('base', config.base, config, opts, warnings),
    buildModel('baseline', config.baseline, config, opts, warnings),
    buildReward('reward', config.reward, opts),
    config.baselineReward ? buildReward('baselineReward', config.baselineReward, opts) : Promise.resolve(undefined),
  ]);
  await settleEos(base, baseline, warnings, opts.signal);
  if (config.decoding.transfer === 'indirect' && config.decoding.indirectWeights === 'baseline-reward' && !baselineReward)
    throw new TqError('config', 'indirect transfer with baseline-reward weights needs a baselineReward source', { setting: 'tqstar.baselineReward' });
  // Beyond the SDK's keep-alive agents (they close with the process) only local engines are held; dispose() stops them.
  return baselineReward ? { base, baseline, reward, baselineReward } : { base, baseline, reward };
}

/**
 * The decoder treats EOS as a candidate like any other token, so it must know its id before the
 * first step. Base and baseline share a tokenizer (TQ* compares their log-probabilities per token).
 */
async function settleEos(base: HttpLanguageModel, baseline: HttpLanguageModel, warnings: string[], signal?: AbortSignal): Promise<void> {
  if (base.eosId !== null && baseline.eosId !== null) return;
  const learn = async (m: HttpLanguageModel) => {
    try {
      return await m.learnEos(signal);
    } catch (e) {
      // An unreachable server, a wrong path or key fails every step: say so before the run starts.
      if (e instanceof TqError && (['aborted', 'connection', 'timeout'].includes(e.kind) || (e.kind === 'http' && [401, 403, 404].includes(e.status ?? 0)))) throw e;
      return null;
    }
  };
  if (base.eosId === null && baseline.eosId === null) await learn(base);
  base.adoptEos(baseline.eosId);
  if (base.eosId === null) await learn(baseline);
  base.adoptEos(baseline.eosId);
  baseline.adoptEos(base.eosId);
  if (base.eosId === null)
    warnings.push(`${base.label}: the end-of-sequence token id is unknown (no probe sample ended by EOS); set tqstar.base.eosTokenId, otherwise only stop sequences and maxTokens end a response`);
}

const PROBE_PAIR = [{ prompt: 'The weather today', response: ' is lovely.' }];

/** One report per endpoint: reachable, model listed, measured capabilities, what the settings need that it lacks. */
export async function probeAll(settings: RunConfig, opts: BackendOptions = {}): Promise<CapabilityReport[]> {
  const engines = opts.engines ?? new EnginePool();
  try {
    return await probeEndpoints(await serveLocalModels(settings, engines, opts.baseDir), opts);
  } finally {
    if (!opts.engines) await engines.dispose();
  }
}

async function probeEndpoints(config: EndpointConfig, opts: BackendOptions): Promise<CapabilityReport[]> {
  const models = (['base', 'baseline'] as const).map(async (role): Promise<CapabilityReport> => {
    const cfg = config[role];
    const ep = modelEndpoint(role, cfg, await keyFor(role, cfg.apiKeyEnv, opts), opts.log);
    const report: CapabilityReport = { role, url: ep.baseUrl, model: cfg.model, configured: cfg.dialect, models: [], ok: true, problems: [], notes: [] };
    try {
      report.models = await listModels(ep, opts.signal);
      if (report.models.length && !report.models.includes(cfg.model))
        report.problems.push(`model "${cfg.model}" is not served here (served: ${report.models.join(', ')}); check tqstar.${role}.model`);
      const measured = await detectCapabilities(ep, cfg.model, opts.signal);
      // Which dialect the server behaves like is information for the report, not a warning on every run.
      report.notes.push(`detected: behaves like ${measured.caps.dialect}`, ...measured.notes, ...measured.info);
      const used = cfg.dialect === 'auto' ? measured.caps : DIALECT_CAPABILITIES[cfg.dialect];
      if (cfg.dialect !== 'auto' && measured.caps.dialect !== cfg.dialect)
        report.notes.push(`configured dialect "${cfg.dialect}", but the server behaves like "${measured.caps.dialect}" (tqstar.${role}.dialect)`);
      report.capabilities = cfg.dialect === 'auto' ? measured.caps : { ...used, maxTopK: Math.min(used.maxTopK, measured.caps.maxTopK || used.maxTopK) };
      report.problems.push(...capabilityProblems(role, report.capabilities, config.decoding).filter((p) => !p.startsWith('text prompts')));
      const c = report.capabilities;
      if (!c.tokenIdPrompts || c.idsBack === 'none')
        report.notes.push(`${c.tokenIdPrompts ? 'answers with token texts, not ids, so prompts travel as text' : 'text prompts only'}: re-tokenisation may drift`);
    } catch (e) {
      report.problems.push(e instanceof Error ? e.message : String(e));
    }
    report.ok = report.problems.length === 0;
    return report;
  });
  const rewards = (['reward', 'baselineReward'] as const)
    .filter((role) => config[role])
    .map(async (role): Promise<CapabilityReport> => {
      const cfg = config[role]!;
      const url = 'baseUrl' in cfg ? cfg.baseUrl : cfg.kind === 'sum' ? 'sum' : '(in process)';
      const report: CapabilityReport = { role, url, model: 'model' in cfg && cfg.model ? cfg.model : cfg.kind, configured: 'auto', models: [], ok: true, problems: [], notes: [] };
      let answer: { score?: number; error?: string };
      try {
        const source = await buildReward(role, cfg, opts);
        const [s] = await source.score(PROBE_PAIR, { signal: opts.signal });
        report.notes.push(`${source.label}: scored a test pair → ${s!.toFixed(4)}`);
        answer = { score: s! };
      } catch (e) {
        answer = { error: e instanceof Error ? e.message : String(e) };
        report.problems.push(answer.error!);
      }
      if (isVllmReward(cfg)) {
        const routes = await probeVllmRoutes(cfg, answer, (c) => buildReward(role, c, opts), PROBE_PAIR[0]!, opts.signal);
        report.notes.push(describeRoutes(routes));
        const answering = routes.filter((r) => r.error === undefined && r.kind !== cfg.kind).map((r) => `"${r.kind}"`);
        if (report.problems.length && answering.length) report.problems.push(`this server answers as ${answering.join(' or ')}: set tqstar.${role}.kind to that`);
      }
      report.ok = report.problems.length === 0;
      return report;
    });
  return Promise.all([...models, ...rewards]);
}

/** The text `tqstar probe` prints and the extension's Test Connections shows. */
export function formatCapabilityReport(reports: CapabilityReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`${r.ok ? 'OK  ' : 'FAIL'} ${r.role}: ${r.url} (${r.model})`);
    if (r.capabilities) for (const line of describeCapabilities(r.capabilities)) out.push(`       ${line}`);
    if (r.models.length) out.push(`       served models      ${r.models.join(', ')}`);
    for (const n of r.notes) out.push(`       note: ${n}`);
    for (const p of r.problems) out.push(`       problem: ${p}`);
  }
  return out.join('\n');
}
