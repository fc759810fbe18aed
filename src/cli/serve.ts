// `tqstar serve`: the local reference server in the foreground.
import { SERVER_DIALECTS, startServer } from '../server/index';
import { parseFlags, UsageError } from './args';
import { EXIT } from './exitCodes';

export async function serveCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, { values: ['port', 'host', 'dialect', 'latency', 'faults'] });
  const port = f.values.port === undefined ? 8000 : Number(f.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0–65535, got "${f.values.port}"`);
  const dialect = f.values.dialect ?? 'vllm';
  if (!(SERVER_DIALECTS as readonly string[]).includes(dialect)) throw new UsageError(`--dialect: expected ${SERVER_DIALECTS.join(', ')}, got "${dialect}"`);
  let server;
  try {
    server = await startServer({ port, host: f.values.host, dialect: dialect as 'vllm', latency: f.values.latency, faults: f.values.faults, quiet: false });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  process.stdout.write(`tqstar reference server (demo/test backend, ${dialect} dialect) listening on ${server.url}\nOpenAI base URL: ${server.url}/v1\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}
