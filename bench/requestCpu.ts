// `node --import tsx bench/requestCpu.ts`: client CPU of one small JSON request, the lean transport against the openai SDK over fetch (profiling aid, not a test).
import OpenAI from 'openai';
import { Endpoint } from '../src/backends/endpoint';
import { parseCompletionBody } from '../src/backends/leanJson';
import { startBenchServer } from './server';

const HELP = `node --import tsx bench/requestCpu.ts [--requests 400] [--rounds 3]

Sends --requests sequential requests (a /tokenize of a short prompt, and a /v1/completions of 1 token with
top-10 log-probabilities) to the reference server in a child process, through the project's Endpoint (lean
node:http transport), through the openai SDK's client with Node's fetch (the transport before it, without
the guards it had on top), and through the SDK over the Endpoint's guarded fetch (how the product uses the SDK
on its standard routes), alternating rounds; prints this process's CPU per request (user + system), the
least of the rounds.`;

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) return console.log(HELP);
  const arg = (name: string, d: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
  const n = arg('--requests', 400);
  const rounds = arg('--rounds', 3);
  const server = await startBenchServer('0', false);
  try {
    const ep = new Endpoint({ role: 'base', baseUrls: [`${server.url}/v1`], timeoutMs: 30_000, maxConcurrency: 4, settingPrefix: 'bench' });
    const sdk = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-no-key-required', maxRetries: 0, timeout: 30_000 });
    // The SDK as the product builds it for its standard routes (openaiRoutes.ts): over the endpoint's guarded transport.
    const guarded = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-no-key-required', maxRetries: 0, timeout: 30_000, fetch: ep.fetchFor({ failure: {} }) });
    const tokenize = { model: 'demo-base', prompt: 'The food at this place was' };
    const { tokens } = await ep.request<{ tokens: number[] }>({ root: '/tokenize' }, tokenize);
    const completion = { model: 'demo-base', prompt: [tokens], max_tokens: 1, temperature: 0, logprobs: 10, return_tokens_as_token_ids: true };
    const rollouts = { ...completion, prompt: Array.from({ length: 10 }, (_, i) => [...tokens, tokens[i % tokens.length]!]), n: 4, max_tokens: 20, temperature: 1, seed: 1, ignore_eos: true };
    const cases: Record<string, () => Promise<unknown>> = {
      'lean rollouts (skim)': () => ep.request({ v1: '/completions' }, rollouts, { parse: parseCompletionBody }),
      'lean rollouts': () => ep.request({ v1: '/completions' }, rollouts),
      'sdk  rollouts': () => sdk.completions.create(rollouts as never),
      'sdk+guard rollouts': () => guarded.completions.create(rollouts as never),
      'lean /tokenize': () => ep.request({ root: '/tokenize' }, tokenize),
      'sdk  /tokenize': () => sdk.post(`${server.url}/tokenize`, { body: tokenize }),
      'lean /v1/completions': () => ep.request({ v1: '/completions' }, completion),
      'sdk  /v1/completions': () => sdk.completions.create(completion as never),
      'sdk+guard /v1/completions': () => guarded.completions.create(completion as never),
    };
    const best: Record<string, number> = {};
    for (let r = 0; r < rounds; r++)
      for (const [name, f] of Object.entries(cases)) {
        for (let i = 0; i < 20; i++) await f();
        const c0 = process.cpuUsage();
        for (let i = 0; i < n; i++) await f();
        const c = process.cpuUsage(c0);
        best[name] = Math.min(best[name] ?? Infinity, (c.user + c.system) / 1000 / n);
      }
    for (const [name, ms] of Object.entries(best)) console.log(`${name.padEnd(26)} ${ms.toFixed(3)} ms CPU per request`);
    ep.close();
  } finally {
    await server.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
