// `tqstar decode`: one prompt, TQ* and its peers, a reward-ranked table or one JSON object.
import { setMaxListeners } from 'node:events';
import { dirname, resolve } from 'node:path';
import { buildEnv, engineCrashError, EnginePool } from '../backends/index';
import { STRATEGY_NAMES, type RunConfig, type StrategyName } from '../config/schema';
import { runStrategies } from '../core/index';
import { TqError } from '../core/errors';
import type { DecodeResult } from '../core/events';
import { parseFlags, UsageError } from './args';
import { readRunFile } from './configFile';
import { EXIT } from './exitCodes';
import { readTextFile } from './files';
import { COLUMNS, footnotes, table, toJson } from './output';
import { errorText, terminalLine } from './terminalText';

export async function decodeCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, { values: ['config', 'prompt', 'prompt-file', 'strategy'], repeat: ['strategy'], switches: ['json', 'verbose', 'allow-key-env'] });
  const { config, prompt: exported } = readRunFile(f.values.config, { allowKeyEnv: f.switches.has('allow-key-env'), say: (l) => process.stderr.write(l + '\n') });
  const given = Number(f.values.prompt !== undefined) + Number(f.values['prompt-file'] !== undefined);
  // An exported run carries its prompt; --prompt or --prompt-file still override it.
  if (given > 1 || (given === 0 && exported === undefined)) throw new UsageError('give exactly one of --prompt TEXT or --prompt-file FILE');
  const prompt = f.values.prompt ?? (f.values['prompt-file'] !== undefined ? readTextFile(f.values['prompt-file'], 'prompt') : exported!);
  if (prompt === '') throw new UsageError('the prompt is empty');
  const asked = f.lists.strategy ?? [];
  for (const s of asked) if (!(STRATEGY_NAMES as readonly string[]).includes(s)) throw new UsageError(`--strategy: unknown "${s}"; expected one of ${STRATEGY_NAMES.join(', ')}`);
  // An exported run re-runs exactly its strategies, in its order.
  const strategies: StrategyName[] = asked.length ? [...new Set(asked as StrategyName[])] : exported !== undefined ? [...config.strategies] : [...new Set<StrategyName>(['tqstar', ...config.strategies])];
  const json = f.switches.has('json');
  const say = (line: string) => process.stderr.write(line + '\n');
  const log = f.switches.has('verbose') ? (l: { role: string; method: string; url: string; status: number | string; ms: number }) => say(terminalLine(`${l.role} ${l.method} ${l.url} ${l.status} ${l.ms}ms`)) : undefined;

  // First Ctrl-C: cancel and print what was decoded so far. Second: leave at once.
  const abort = new AbortController();
  // Every request in flight listens on the run's signal: more than Node's default of 10 is expected.
  setMaxListeners(1000, abort.signal);
  const onSigint = () => {
    if (abort.signal.aborted) {
      say('tqstar: cancelled');
      process.exit(EXIT.cancelled);
    }
    say('cancelling… (Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  // The local engines (gguf settings), held here so that a failed request can be told apart from the engine's crash.
  const engines = new EnginePool();
  try {
    let built;
    try {
      // Relative gguf paths start at the config file's folder.
      built = await buildEnv(config, { log, signal: abort.signal, baseDir: dirname(resolve(f.values.config ?? '.')), engines });
    } catch (e) {
      if (abort.signal.aborted) return EXIT.cancelled;
      if (e instanceof TqError) {
        say(`tqstar: ${e.kind} error: ${errorText(e)}${e.setting ? `\n  setting: ${terminalLine(e.setting)}` : ''}`);
        return e.kind === 'config' ? EXIT.usage : EXIT.backend;
      }
      throw e;
    }
    for (const w of built.warnings) say(`warning: ${terminalLine(w)}`);
    const run = await runStrategies(strategies, { text: prompt }, built.env, config.decoding, {
      signal: abort.signal,
      onEvent: (ev) => {
        if (ev.type === 'end' && !json) say(`${ev.strategy}: ${ev.result.finish} after ${ev.result.steps.length} step(s), ${(ev.result.stats.wallMs / 1000).toFixed(2)}s`);
      },
    });
    await built.dispose();
    // A strategy whose requests failed because the local engine died says so, naming the model files.
    await Promise.all(run.results.map((r) => crashed(r, engines, config)));
    if (json) process.stdout.write(JSON.stringify(toJson(run, built.warnings, built.setupRequests)) + '\n');
    else {
      process.stdout.write(table(run.results, COLUMNS) + '\n');
      for (const n of footnotes(run.results)) process.stdout.write(n + '\n');
      process.stdout.write(`total: ${run.stats.requests + built.setupRequests} requests (${built.setupRequests} to set up), ${run.stats.modelTokens} model tokens, ${(run.stats.wallMs / 1000).toFixed(2)}s\n`);
    }
    if (abort.signal.aborted || run.results.some((r) => r.finish === 'aborted')) return EXIT.cancelled;
    return run.results.some((r) => r.error) ? EXIT.runError : EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
    await engines.dispose();
  }
}

/** Replaces a result's connection error by the engine crash behind it, if there was one (as the extension reports it). */
async function crashed(r: DecodeResult, engines: EnginePool, config: RunConfig): Promise<void> {
  const crash = r.error ? await engineCrashError(engines, r.error, config, { waitMs: 1_000, nextRun: false }) : null;
  if (crash) r.error = crash;
}
