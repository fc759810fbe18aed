// The llamacpp dialect against a REAL llama.cpp llama-server (80fb11ac, built by scripts/build-llama-server.sh): probe,
// tokenize with BOS, EOS from /props, top-k with ids, n over slots, stop strings, TQ*/ARGS/Best-of-N decodes, and a
// frequency test of sampled first tokens against the distribution the server reports. Skips with a message when
// the binary or a GGUF model is missing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildEnv, DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, loadRunConfig, type RequestLogLine } from '../../src/backends/index';
import { detectCapabilities } from '../../src/backends/probe';
import { neutralSampling } from '../../src/backends/sampler';
import { ModelEndpoint } from '../../src/config/schema';
import { decode } from '../../src/core/index';
import { startServer, type RunningServer } from '../../src/server/index';
import { llamaServerModel, llamaServerSkip, startLlamaServer, type LlamaServer } from './harness';

const skip = llamaServerSkip();
if (skip) console.log(`# real llama-server suite skipped: ${skip}`);
const PROMPT = 'The customer service was';
const SLOTS = 8;

interface Entry {
  id: number;
  bytes: number[];
  logprob: number;
}

/** A token that is one byte ≥ 0x80 is not UTF-8 text on its own: llama-server fails (500) or holds it back. */
const loneByte = (e: Entry) => e.bytes.length === 1 && e.bytes[0]! >= 0x80;

async function raw(url: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  return { status: r.status, body: await r.json() };
}

/** The whole next-token distribution after `ids` (logprobs = vocabulary size), from a 1-token draw that succeeds. */
async function fullDistribution(url: string, ids: number[], vocab: number): Promise<Entry[]> {
  for (let seed = 0; seed < 50; seed++) {
    const r = await raw(url, { prompt: ids, max_tokens: 1, logprobs: vocab, temperature: 1, seed, ...neutralSampling('llamacpp') });
    const first = r.status === 200 ? r.body.choices[0].logprobs?.content?.[0] : undefined;
    if (first) return first.top_logprobs as Entry[];
  }
  throw new Error('no draw succeeded in 50 seeds');
}

/** χ² critical value at the 0.1% level (Wilson–Hilferty; within 1% of the tables for df ≥ 3). */
function chi2Critical(df: number): number {
  const z = 3.0902;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** χ² of counts over categories (every token of `probs` with an expected count ≥ 5, the rest pooled) at the 0.1% level. */
function chiSquare(counts: Map<number, number>, probs: Map<number, number>, total: number): { stat: number; df: number; critical: number } {
  let stat = 0;
  let cells = 0;
  let restP = 0;
  let restN = 0;
  for (const [id, p] of probs) {
    if (p * total >= 5) {
      stat += ((counts.get(id) ?? 0) - p * total) ** 2 / (p * total);
      cells++;
    } else {
      restP += p;
      restN += counts.get(id) ?? 0;
    }
  }
  for (const [id, c] of counts) if (!probs.has(id)) restN += c;
  restP = Math.max(0, 1 - [...probs.values()].reduce((a, b) => a + b, 0)) + restP;
  if (restP * total >= 5) {
    stat += (restN - restP * total) ** 2 / (restP * total);
    cells++;
  } else if (restN > 0) stat += Infinity; // draws where the model gives (almost) no mass
  const df = cells - 1;
  return { stat, df, critical: chi2Critical(df) };
}

describe('real llama-server (llamacpp dialect)', { skip, timeout: 10 * 60_000 }, () => {
  const model = llamaServerModel()!;
  let server: LlamaServer;
  let rewardServer: RunningServer;
  let vocab = 0;
  /** Lone-byte tokens the fixture's server is told never to sample (--logit-bias), so that multi-token draws can succeed. */
  let banned = new Set<number>();
  const lines: RequestLogLine[] = [];
  const endpoint = (role = 'base') => new Endpoint({ role, baseUrls: [`${server.url}/v1`], timeoutMs: 30_000, maxConcurrency: 8, settingPrefix: `tqstar.${role}`, log: (l) => lines.push(l) });
  const llm = (ep = endpoint()) => new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${server.url}/v1`, model: 'm', dialect: 'llamacpp' }), DIALECT_CAPABILITIES.llamacpp);

  before(async () => {
    server = await startLlamaServer(model.path, SLOTS);
    const meta = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: Array<{ meta?: { n_vocab?: number } }> };
    vocab = meta.data[0]?.meta?.n_vocab ?? 0;
    assert.ok(vocab > 0, 'n_vocab from /v1/models');
    if (!model.trained) {
      // Random weights draw lone UTF-8 bytes ~30% of the time, and llama-server cannot answer those as text:
      // ban them on the server (the logprobs it reports stay the raw ones), and account for the ban below.
      const ids = ((await (await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content: PROMPT, add_special: true }) })).json()) as { tokens: number[] }).tokens;
      banned = new Set((await fullDistribution(server.url, ids, vocab)).filter(loneByte).map((e) => e.id));
      await server.close();
      server = await startLlamaServer(model.path, SLOTS, [...banned].flatMap((id) => ['--logit-bias', `${id}-inf`]));
    }
    rewardServer = await startServer({ port: 0, quiet: true });
    console.log(`# llama-server ${server.url} on ${model.path} (${model.trained ? 'trained' : `random-weight fixture, ${banned.size} lone-byte tokens banned`}), vocab ${vocab}, ${SLOTS} slots`);
  });
  after(async () => {
    await server?.close();
    await rewardServer?.close();
  });

  test('probe: detected as llamacpp with ids, n and several prompts, no scoring (echo is ignored at 80fb11ac); nothing retried', async () => {
    const ep = endpoint();
    const before = lines.length;
    const { caps, info: notes } = await detectCapabilities(ep, 'm');
    assert.equal(caps.dialect, 'llamacpp');
    assert.deepEqual([caps.tokenize, caps.idsBack, caps.tokenIdPrompts, caps.multiPrompt, caps.n, caps.scoring], ['llamacpp', 'llamacpp', true, true, true, 'none']);
    assert.ok(notes.some((n) => n.includes(`${SLOTS} slot`)), notes.join('; '));
    assert.ok(notes.some((n) => /top_k 40/.test(n)), 'the truncating server defaults are named');
    assert.ok(lines.length - before <= 12, `${lines.length - before} probe requests`);
    const echo = await raw(server.url, { prompt: PROMPT, max_tokens: 1, echo: true, logprobs: 1, temperature: 1, seed: 2, ...neutralSampling('llamacpp') });
    assert.equal(echo.status, 200);
    assert.equal(echo.body.choices[0].logprobs.content.length, 1, 'no prompt logprobs: echo is ignored');
  });

  test('tokenize: the ids are the server\'s own tokenization of the text, BOS first; EOS comes from /props without sampling', async () => {
    const m = llm();
    const ids = await m.encode(PROMPT);
    const props = (await (await fetch(`${server.url}/props`)).json()) as { bos_token: string; eos_token: string };
    const bos = ((await (await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content: props.bos_token }) })).json()) as { tokens: number[] }).tokens;
    assert.equal(bos.length, 1);
    assert.equal(ids[0], bos[0], 'BOS first, as the model expects');
    // The reference tokenizations written by the Python tokenizer that made the file (the fixture's, or the trained models' manifest).
    const fx = (
      model.trained
        ? JSON.parse(readFileSync(join(__dirname, '..', '..', 'models', 'tiny', 'manifest.json'), 'utf8')).tokenizations
        : JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gguf', 'fixtures.json'), 'utf8')).files['random-a.gguf'].tokenizations
    ) as Array<{ text: string; ids: number[] }>;
    assert.ok(fx.length > 0);
    for (const t of fx.slice(0, 10)) assert.deepEqual(await m.encode(t.text), t.ids, t.text);
    // A text prompt and our id prompt are the same input to the server: same length, same next-token logprobs.
    const asText = await raw(server.url, { prompt: PROMPT, max_tokens: 1, logprobs: 5, temperature: 1, seed: 3, ...neutralSampling('llamacpp') });
    const asIds = await raw(server.url, { prompt: ids, max_tokens: 1, logprobs: 5, temperature: 1, seed: 3, ...neutralSampling('llamacpp') });
    assert.equal(asText.body.usage.prompt_tokens, ids.length);
    assert.deepEqual(asText.body.choices[0].logprobs.content[0].top_logprobs, asIds.body.choices[0].logprobs.content[0].top_logprobs);
    const before = lines.length;
    const eos = await llm().learnEos();
    assert.equal(eos, ((await (await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content: props.eos_token }) })).json()) as { tokens: number[] }).tokens[0]);
    if (!model.trained) assert.equal(eos, JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gguf', 'fixtures.json'), 'utf8')).files['random-a.gguf'].eos);
    assert.ok(lines.slice(before).every((l) => !l.url.endsWith('/completions')), 'no sampled "Hello" answers');
  });

  test('top-k with ids: nextTokens gives the server\'s raw logprobs, most likely first, with texts', async () => {
    const m = llm();
    const ids = await m.encode(PROMPT);
    const [top] = await m.nextTokens([ids], 10);
    assert.equal(top!.length, 10);
    for (let i = 1; i < 10; i++) assert.ok(top![i - 1]!.logprob >= top![i]!.logprob);
    const full = await fullDistribution(server.url, ids, vocab);
    const byId = new Map(full.map((e) => [e.id, e.logprob]));
    // Two requests for the same prompt differ in float noise: llama-server reuses the cached prompt and batches
    // differently, with an F16 KV cache (../shared/ENGINE.md measures ≤ 3e-3 against float64 with F16 KV).
    for (const t of top!) assert.ok(Math.abs(byId.get(t.id)! - t.logprob) < 5e-3, `id ${t.id}: ${byId.get(t.id)} vs ${t.logprob}`);
    const ranked = [...full].sort((a, b) => b.logprob - a.logprob);
    // The same ten, in order, except where two of them are within that noise of each other.
    for (let i = 0; i < 10; i++) assert.ok(top![i]!.id === ranked[i]!.id || Math.abs(top![i]!.logprob - ranked[i]!.logprob) < 5e-3, `rank ${i}`);
    assert.ok(top!.every((t) => typeof t.text === 'string' && !t.text.startsWith('‹')), 'texts come with the ids');
  });

  test(`n beyond the ${SLOTS} slots: ⌈n/slots⌉ requests with every prompt in each, samples placed by prompt`, async () => {
    const m = llm();
    const a = await m.encode(PROMPT);
    const b = await m.encode('The food was');
    const before = lines.length;
    const out = await m.sample({ prompts: [a, b, a], n: 20, temperature: 1, maxTokens: 2, seed: 11 });
    const sent = lines.slice(before).filter((l) => l.url.endsWith('/v1/completions'));
    assert.equal(sent.length - m.resampledRequests, Math.ceil(20 / SLOTS), 'one request per slot-full of samples, not one per sample');
    assert.deepEqual(out.map((r) => r.length), [20, 20, 20]);
    // Prompts 0 and 2 are the same text with the same seeds: the same samples; prompt 1 differs.
    assert.deepEqual(out[0]!.map((c) => c.text), out[2]!.map((c) => c.text));
    assert.notDeepEqual(out[0]!.map((c) => c.text), out[1]!.map((c) => c.text));
    assert.ok(new Set(out[0]!.map((c) => c.tokens.map((t) => t.id).join(','))).size > 1, 'the samples of a prompt differ (distinct seeds per slot)');
  });

  test('stop strings: a sample ending on one has finish "stop" and text without it', async () => {
    const m = llm();
    const ids = await m.encode(PROMPT);
    const [top] = await m.nextTokens([ids], 5);
    const stop = top!.find((t) => t.text.trim().length > 0 && !banned.has(t.id))!.text;
    const [row] = await m.sample({ prompts: [ids], n: 24, temperature: 1, maxTokens: 6, seed: 5, stop: [stop] });
    assert.ok(row!.some((c) => c.finish === 'stop'), `some of 24 samples meet ${JSON.stringify(stop)}`);
    for (const c of row!) {
      assert.ok(!c.text.includes(stop), JSON.stringify(c.text));
      assert.ok(['stop', 'eos', 'length'].includes(c.finish));
    }
  });

  test('frequency test: first tokens of 960 rollouts follow the distribution the server reports; the server defaults fail it', async () => {
    const m = llm();
    const ids = await m.encode(PROMPT);
    const full = await fullDistribution(server.url, ids, vocab);
    // What the sampler must draw from: the reported distribution, less the fixture's banned tokens, renormalised.
    const kept = full.filter((e) => !banned.has(e.id));
    const mass = kept.reduce((s, e) => s + Math.exp(e.logprob), 0);
    const probs = new Map(kept.map((e) => [e.id, Math.exp(e.logprob) / mass]));
    const total = 960;
    const [row] = await m.sample({ prompts: [ids], n: total, temperature: 1, maxTokens: 1, seed: 21 });
    const counts = new Map<number, number>();
    for (const c of row!) {
      const id = c.tokens[0]?.id ?? (c.finish === 'eos' ? m.eosId! : -1);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const client = chiSquare(counts, probs, total);
    assert.ok(client.stat < client.critical, `client rollouts: χ²=${client.stat.toFixed(1)} > ${client.critical} (df ${client.df})`);
    // The same draws with the server's own sampler (top_k 40, top_p 0.95, min_p 0.05): distinguishable.
    const naive = new Map<number, number>();
    for (let r = 0; r < total / SLOTS; r++) {
      const ans = await raw(server.url, { prompt: ids, n: SLOTS, max_tokens: 1, logprobs: 1, temperature: 1, seed: 1000 + r * SLOTS });
      assert.equal(ans.status, 200, JSON.stringify(ans.body));
      for (const c of ans.body.choices) {
        const id = c.logprobs?.content?.[0]?.id ?? -1;
        naive.set(id, (naive.get(id) ?? 0) + 1);
      }
    }
    const trunc = chiSquare(naive, probs, total);
    assert.ok(trunc.stat > trunc.critical, `the truncating defaults must fail the test: χ²=${trunc.stat.toFixed(1)} ≤ ${trunc.critical}`);
    console.log(`# frequency test: neutral χ²=${client.stat.toFixed(1)} (df ${client.df}, critical ${client.critical.toFixed(1)}); server defaults χ²=${trunc.stat.toFixed(1)}; ${m.resampledRequests} request(s) redrawn`);
  });

  for (const strategy of ['tqstar', 'args', 'bon'] as const) {
    test(`a full ${strategy} decode (direct transfer, proposer base, no scoring on llama.cpp) finishes; its request count is the HTTP requests made`, async () => {
      const url = `${server.url}/v1`;
      const cfg = loadRunConfig({
        base: { baseUrl: url, model: 'm', dialect: 'llamacpp' },
        baseline: { baseUrl: url, model: 'm', dialect: 'llamacpp' },
        // A reward over HTTP too (the reference server's demo sentiment model, a demo/test backend), so that every request of the run is an HTTP one.
        reward: { kind: 'vllm-pooling', baseUrl: rewardServer.url, model: 'demo-sentiment' },
        // The setting of issue 10's measurement (k = 5, N = 32, 3 tokens), where every rollout was its own request.
        decoding: { topK: 5, rollouts: 32, horizon: 3, maxTokens: 3, proposer: 'base', transfer: 'direct', bestOfN: 4, seed: 1 },
      });
      const seen: RequestLogLine[] = [];
      const { env, warnings } = await buildEnv(cfg, { log: (l) => seen.push(l) });
      assert.ok(!warnings.some((w) => /end-of-sequence token id is unknown/.test(w)), warnings.join('\n'));
      const before = seen.length;
      const r = await decode(strategy, { text: PROMPT }, env, cfg.decoding);
      assert.notEqual(r.finish, 'error', r.error?.message);
      assert.ok(r.tokens.length > 0 && r.tokens.length <= 3);
      assert.equal(r.stats.requests, seen.length - before, 'reported requests = HTTP requests');
      if (strategy === 'tqstar') {
        // Per step: the candidates' top-k, the k·N = 160 rollouts in ⌈N/slots⌉ = 4 requests, one reward request,
        // and on the first step the prompt's tokenisation and the baseline's /props (+ redraws, counted).
        for (const s of r.steps.slice(1)) assert.ok(s.requests <= 2 + Math.ceil(32 / SLOTS), `step requests ${s.requests}`);
        console.log(`# tqstar over llama-server: ${r.steps.length} steps, requests per step ${r.steps.map((s) => s.requests).join(',')}, total ${r.stats.requests}`);
      }
    });
  }
});
