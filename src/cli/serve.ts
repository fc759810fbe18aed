// `tqstar serve`: the local reference server in the foreground, or with --model the local llama.cpp engine over GGUF files.
import { EngineLoadError } from '../engine/loadFailure';
import { startEngineProcess } from '../engine/spawn';
import { crashMessage, resolveModelPath } from '../engine/pool';
import { SERVER_DIALECTS, startServer } from '../server/index';
import { parseFlags, UsageError, type ParsedFlags } from './args';
import { EXIT } from './exitCodes';

const untilStopped = () =>
  new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

function positiveInt(f: ParsedFlags, name: string): number | undefined {
  const v = f.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a positive integer, got "${v}"`);
  return n;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, { values: ['port', 'host', 'dialect', 'latency', 'faults', 'model', 'sequences', 'context'], repeat: ['model'] });
  const port = f.values.port === undefined ? 8000 : Number(f.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0–65535, got "${f.values.port}"`);
  if (f.lists.model?.length) return serveModels(f, port);
  for (const k of ['sequences', 'context']) if (f.values[k] !== undefined) throw new UsageError(`--${k} applies only with --model NAME=PATH.gguf`);
  const dialect = f.values.dialect ?? 'vllm';
  if (!(SERVER_DIALECTS as readonly string[]).includes(dialect)) throw new UsageError(`--dialect: expected ${SERVER_DIALECTS.join(', ')}, got "${dialect}"`);
  let server;
  try {
    server = await startServer({ port, host: f.values.host, dialect: dialect as 'vllm', latency: f.values.latency, faults: f.values.faults, quiet: false });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  process.stdout.write(`tqstar reference server (demo/test backend, ${dialect} dialect) listening on ${server.url}\nOpenAI base URL: ${server.url}/v1\n`);
  await untilStopped();
  await server.close();
  return EXIT.ok;
}

/** --model NAME=PATH.gguf …: a local llama.cpp engine (node-llama-cpp, in a child process) in the vLLM dialect. */
async function serveModels(f: ParsedFlags, port: number): Promise<number> {
  for (const k of ['dialect', 'latency', 'faults']) if (f.values[k] !== undefined) throw new UsageError(`--${k} applies only to the reference server, not with --model`);
  const sequences = positiveInt(f, 'sequences');
  const contextSize = positiveInt(f, 'context');
  const names = new Set<string>();
  const models = f.lists.model!.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--model: expected NAME=PATH.gguf, got "${spec}"`);
    const name = spec.slice(0, eq);
    if (names.has(name)) throw new UsageError(`--model: the name "${name}" is given twice`);
    names.add(name);
    return { name, file: resolveModelPath(spec.slice(eq + 1), process.cwd()), ...(sequences ? { sequences } : {}), ...(contextSize ? { contextSize } : {}) };
  });
  let engine;
  try {
    engine = await startEngineProcess(models, { port, host: f.values.host });
  } catch (e) {
    if (e instanceof EngineLoadError) {
      process.stderr.write(`tqstar serve: ${e.failure.kind}: ${e.failure.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`tqstar local engine (llama.cpp through node-llama-cpp, CPU, in a child process) listening on ${engine.url}`);
  out(`OpenAI base URL: ${engine.url}/v1   (vLLM dialect: completions with logprobs, token-id prompts, n, echo scoring, /tokenize, /detokenize)`);
  for (const m of engine.models) out(`  ${m.name}: ${m.file} (${m.architecture}, vocabulary ${m.vocabSize}, EOS ${m.eosId ?? 'none'}, context ${m.contextSize} × ${m.sequences} sequences)`);
  // The engine child can die on its own (a native crash): then say so and exit, rather than serve nothing.
  const crashed = await Promise.race([untilStopped().then(() => null), engine.exited]);
  if (crashed && !crashed.requested) {
    process.stderr.write(`tqstar serve: ${crashMessage({ ...crashed, files: models.map((m) => m.file), url: engine.url }, { nextRun: false })}\n`);
    return EXIT.backend;
  }
  await engine.close();
  return EXIT.ok;
}
