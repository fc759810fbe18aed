// `tqstar eval`: strategies × sweeps × prompts × seeds → JSONL (resumable), a summary table, an HTML report with plots.
import { setMaxListeners } from 'node:events';
import { dirname, resolve } from 'node:path';
import { loadRunConfig, makeReward } from '../backends/index';
import { describeIssues } from '../backends/loadConfig';
import { RewardConfig as RewardConfigSchema, STRATEGY_NAMES, type RewardConfig, type RunConfig, type StrategyName } from '../config/schema';
import { TqError } from '../core/errors';
import { httpEmbedder, httpPairJudge, type Embedder, type PairJudge } from '../eval/clients';
import { BUILTIN_PROMPTS, readPromptSet, type EvalPrompt } from '../eval/prompts';
import type { Progress } from '../eval/runner';
import { FLUENCY, type HeldOut } from '../eval/heldOut';
import { runEvalSession, TARGETS_HEAD } from '../eval/session';
import { parseSweep } from '../eval/sweep';
import { DEFAULT_WORLD, EVAL_STRATEGIES, EVAL_WORLDS, evalWorld, type EvalWorld, type EvalWorldName } from '../eval/worlds';
import { parseLatency, startServer, type RunningServer } from '../server/index';
import { parseFlags, UsageError } from './args';
import { readConfigFile } from './configFile';
import { EXIT } from './exitCodes';
import { readTextFile } from './files';

const int = (name: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${v}"`);
  return n;
};

function seedsOf(v: string | undefined): number[] {
  if (v === undefined) return [0];
  if (/^\d+$/.test(v)) return Array.from({ length: Math.max(1, Number(v)) }, (_, i) => i);
  const list = v.split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((n) => !Number.isInteger(n))) throw new UsageError(`--seeds: expected a count (3) or a list (0,1,5), got "${v}"`);
  return [...new Set(list)];
}

/** The first `judge` reward of a config (the target reward itself, or a term of a sum). */
function judgeOf(r: RewardConfig | undefined): Extract<RewardConfig, { kind: 'judge' }> | undefined {
  if (!r) return undefined;
  if (r.kind === 'judge') return r;
  if (r.kind === 'sum') for (const t of r.terms) {
    const j = judgeOf(t);
    if (j) return j;
  }
  return undefined;
}

const mmss = (ms: number) => `${Math.floor(ms / 60000)}m${String(Math.round((ms % 60000) / 1000)).padStart(2, '0')}s`;

export async function evalCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, {
    values: ['config', 'world', 'prompts', 'limit', 'seeds', 'strategy', 'sweep', 'reference', 'out', 'embeddings', 'embeddings-model', 'judge-url', 'judge-model', 'concurrency', 'latency', 'held-out', 'reward-scale'],
    repeat: ['strategy', 'sweep'],
    switches: ['judge', 'no-embeddings', 'allow-key-env'],
  });
  if (f.positional.length) throw new UsageError(`unexpected argument "${f.positional[0]}"`);
  if (f.values.config && f.values.world) throw new UsageError('give --config FILE or --world NAME, not both');
  const world = f.values.world;
  if (world && !(EVAL_WORLDS as readonly string[]).includes(world)) throw new UsageError(`--world: expected ${EVAL_WORLDS.join(', ')}, got "${world}"`);
  const latencySpec = f.values.latency;
  // The critical path is the reference server's latency model: meaningless for a config's own servers, and the tiny models run on the local engine.
  if (latencySpec !== undefined && (f.values.config || (world ?? DEFAULT_WORLD) === 'tiny')) throw new UsageError('--latency applies only to the worlds served by the reference server: --world demo or --world tabular');
  let latency: { spec: string; options: ReturnType<typeof parseLatency> } | undefined;
  if (latencySpec !== undefined) {
    try {
      latency = { spec: latencySpec, options: parseLatency(latencySpec) };
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const say = (line: string) => process.stderr.write(line + '\n');

  const abort = new AbortController();
  setMaxListeners(1000, abort.signal);
  const onSigint = () => {
    if (abort.signal.aborted) {
      say('tqstar: cancelled');
      process.exit(EXIT.cancelled);
    }
    say('eval: cancelling — finished answers are kept in the JSONL; run the same command again to resume (Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let server: RunningServer | null = null;
  try {
    // Without a config: the reference server in this process (the reward, the demo and tabular models) and a built-in world (demo backends, labelled so).
    let setup: EvalWorld | null = null;
    let config: RunConfig;
    if (f.values.config) config = readConfigFile(f.values.config, { allowKeyEnv: f.switches.has('allow-key-env'), say });
    else {
      server = await startServer({ port: 0, quiet: true, ...(latencySpec !== undefined ? { latency: latencySpec } : {}) });
      setup = evalWorld((world ?? DEFAULT_WORLD) as EvalWorldName, server.url);
      if (!setup) throw new UsageError('the tiny demo models (models/tiny) are missing from this installation: run `npm run models`, or give --world demo or --world tabular');
      config = loadRunConfig(setup.config);
      say(`eval: ${setup.description}`);
    }
    let prompts: EvalPrompt[];
    const ps = f.values.prompts;
    if (ps === undefined) prompts = [...(setup?.prompts ?? BUILTIN_PROMPTS)];
    else if (ps === 'builtin') prompts = [...BUILTIN_PROMPTS];
    else {
      try {
        prompts = readPromptSet(ps);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const limit = int('limit', f.values.limit, 1);
    if (limit) prompts = prompts.slice(0, limit);
    const seeds = seedsOf(f.values.seeds);
    const asked = f.lists.strategy ?? [];
    for (const s of asked) if (!(STRATEGY_NAMES as readonly string[]).includes(s)) throw new UsageError(`--strategy: unknown "${s}"; expected one of ${STRATEGY_NAMES.join(', ')}`);
    const reference = (f.values.reference ?? 'baseline') as StrategyName;
    if (!(STRATEGY_NAMES as readonly string[]).includes(reference)) throw new UsageError(`--reference: unknown "${reference}"`);
    let strategies: StrategyName[] = asked.length ? [...new Set(asked as StrategyName[])] : setup ? setup.strategies : [...new Set<StrategyName>(['tqstar', ...config.strategies])];
    if (!strategies.includes(reference)) strategies = [...strategies, reference];
    strategies.sort((a, b) => EVAL_STRATEGIES.indexOf(a) - EVAL_STRATEGIES.indexOf(b));
    const sweeps = (f.lists.sweep ?? []).map((s) => {
      try {
        return parseSweep(s, config.decoding);
      } catch (e) {
        throw new UsageError(e instanceof TqError ? `--sweep ${s}: ${e.message}` : (e as Error).message);
      }
    });
    let embedder: Embedder | undefined;
    if (!f.switches.has('no-embeddings')) {
      const url = f.values.embeddings ?? setup?.embeddings?.baseUrl;
      if (url) embedder = httpEmbedder(url, f.values['embeddings-model'] ?? (f.values.embeddings ? undefined : setup?.embeddings?.model));
    }
    let judge: PairJudge | undefined;
    if (f.values['judge-url']) {
      if (!f.values['judge-model']) throw new UsageError('--judge-url needs --judge-model');
      judge = httpPairJudge(f.values['judge-url'], f.values['judge-model']);
    } else if (f.switches.has('judge')) {
      const j = judgeOf(config.reward) ?? judgeOf(config.baselineReward);
      if (!j) throw new UsageError('--judge: the config has no "judge" reward to take the endpoint from; give --judge-url URL --judge-model NAME');
      judge = httpPairJudge(j.baseUrl, j.model, j.apiKeyEnv ? process.env[j.apiKeyEnv] : undefined);
    }

    // The held-out score: fluency (default, no server), "judge" (the config's judge reward, scored), or a reward config as JSON (inline or a file).
    let heldOut: HeldOut = FLUENCY;
    const ho = f.values['held-out'];
    if (ho !== undefined && ho !== 'fluency') {
      let cfg: RewardConfig | undefined;
      if (ho === 'judge') {
        cfg = judgeOf(config.reward) ?? judgeOf(config.baselineReward);
        if (!cfg) throw new UsageError('--held-out judge: the config has no "judge" reward; give --held-out with a reward configuration (JSON, or a .json file)');
      } else {
        let raw: unknown;
        try {
          raw = JSON.parse(ho.trim().startsWith('{') ? ho : readTextFile(ho, 'config'));
        } catch (e) {
          throw new UsageError(`--held-out: expected fluency, judge, or a reward configuration as JSON or a .json file (${(e as Error).message})`);
        }
        const parsed = RewardConfigSchema.safeParse(raw);
        if (!parsed.success) throw new UsageError(`--held-out: not a reward configuration: ${describeIssues(parsed.error.issues).map((d) => `${d.path}: ${d.text}`).join('; ')}`);
        cfg = parsed.data;
      }
      const keyEnv = 'apiKeyEnv' in cfg ? cfg.apiKeyEnv : undefined;
      heldOut = { kind: 'reward', name: cfg.kind === 'builtin' ? `builtin:${cfg.name}` : cfg.kind, source: makeReward(cfg, { role: 'heldOut', ...(keyEnv && process.env[keyEnv] ? { apiKey: process.env[keyEnv] } : {}) }, 'the --held-out reward') };
    }
    const rs = f.values['reward-scale'];
    const rewardScale = rs === undefined ? 1 : Number(rs);
    if (!Number.isFinite(rewardScale) || rewardScale <= 0) throw new UsageError(`--reward-scale: expected a positive number, got "${rs}"`);

    let last = 0;
    const res = await runEvalSession({
      config,
      prompts,
      promptSource: ps ?? (setup ? `built-in ${setup.name} set` : 'built-in set'),
      seeds,
      strategies,
      sweeps,
      reference,
      outDir: f.values.out ?? 'tqstar-eval',
      ...(setup ? { world: setup } : { configLabel: `config ${f.values.config}: base ${config.base.model}, baseline ${config.baseline.model}, reward ${config.reward.kind}` }),
      embedder,
      judge,
      concurrency: int('concurrency', f.values.concurrency, 1),
      heldOut,
      rewardScale,
      ...(latency ? { latency } : {}),
      // Relative gguf paths start at the config file's folder, as for decode and probe.
      ...(f.values.config ? { backend: { baseDir: dirname(resolve(f.values.config)) } } : {}),
      signal: abort.signal,
      onStart: (plan, concurrency, jsonl) => {
        say(`eval: ${plan.points.length} points × ${prompts.length} prompts × ${seeds.length} seeds = ${plan.items.length} answers, ${concurrency} at a time; writing ${jsonl}`);
        if (embedder) say(`eval: coherence from ${embedder.label}`);
        if (judge) say(`eval: judge ${judge.label}, answers in seeded random order`);
      },
      onProgress: (p: Progress) => {
        const now = Date.now();
        if (p.done < p.total && now - last < 2000) return;
        last = now;
        say(`eval: ${p.done}/${p.total} answers${p.resumed ? ` (${p.resumed} from the JSONL)` : ''}${p.etaMs !== null && p.done < p.total ? `, ETA ${mmss(p.etaMs)}` : ''}`);
      },
      onWarning: (w) => say(`warning: ${w}`),
    });
    process.stdout.write(res.table + '\n');
    if (res.comparison) process.stdout.write(`\nTQ* against each peer's best point at ≤ its compute and at ≤ its KL (Δ = TQ* − peer ± SE):\n${res.comparison}\n`);
    if (res.targets) process.stdout.write(`\n${TARGETS_HEAD}\n${res.targets}\n`);
    process.stdout.write(`\nwrote ${res.files.jsonl}, ${res.files.report}, ${res.files.summaryJson}, ${res.files.plots.length} plot SVGs\n`);
    if (!res.complete) return EXIT.cancelled;
    return res.answers.some((a) => a.error) ? EXIT.runError : EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
    await server?.close();
  }
}
