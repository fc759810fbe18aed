// Every dialect's response shape parses, against the reference server answering as vLLM, SGLang, llama.cpp, Ollama and hosted OpenAI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildEnv, DIALECT_CAPABILITIES, Endpoint, HttpLanguageModel, loadRunConfig } from '../../src/backends/index';
import { detectCapabilities } from '../../src/backends/probe';
import { SGLANG_NATIVE } from '../../src/backends/dialects/sglang';
import { ModelEndpoint } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import type { TokenId } from '../../src/core/model';
import { runStrategies } from '../../src/core/index';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

type Running = Awaited<ReturnType<typeof startServer>>;
const PROMPT = 'The food was';

type D = 'vllm' | 'sglang' | 'llamacpp' | 'ollama' | 'openai';
const SCORES = new Set<D>(['vllm', 'sglang']);

function model(url: string, name: string, dialect: D) {
  const ep = new Endpoint({ role: 'base', baseUrls: [`${url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.base' });
  return { ep, m: new HttpLanguageModel(ep, ModelEndpoint.parse({ baseUrl: `${url}/v1`, model: name, dialect }), DIALECT_CAPABILITIES[dialect]) };
}

for (const dialect of ['vllm', 'sglang', 'llamacpp', 'ollama', 'openai'] as const) {
  describe(`${dialect} dialect`, { timeout: 30_000 }, () => {
    let server: Running;
    before(async () => {
      server = await startServer({ port: 0, quiet: true, dialect });
    });
    after(() => server.close());

    test('auto-detection recognises the server', async () => {
      const { ep } = model(server.url, 'demo-base', dialect);
      const { caps } = await detectCapabilities(ep, 'demo-base');
      assert.equal(caps.dialect, dialect);
      // SGLang detected by the probe uses its native /generate (ids end to end); configured "sglang" keeps /v1/completions.
      const expected = dialect === 'sglang' ? SGLANG_NATIVE : DIALECT_CAPABILITIES[dialect];
      assert.equal(caps.scoring !== 'none', expected.scoring !== 'none', 'scoring');
      assert.equal(caps.multiPrompt, expected.multiPrompt, 'several prompts per request');
      assert.equal(caps.tokenIdPrompts && caps.idsBack !== 'none', expected.tokenIdPrompts && expected.idsBack !== 'none', 'token ids end to end');
    });

    test('encode, nextTokens, sample and score parse into the LanguageModel shapes', async () => {
      const { m } = model(server.url, 'demo-base', dialect);
      const ids = await m.encode(PROMPT);
      assert.ok(ids.length >= 1 && ids.every(Number.isInteger));
      const [top] = await m.nextTokens([ids], 5);
      assert.equal(top!.length, 5);
      for (let i = 1; i < top!.length; i++) assert.ok(top![i - 1]!.logprob >= top![i]!.logprob, 'most likely first');
      const mass = top!.reduce((s, t) => s + Math.exp(t.logprob), 0);
      assert.ok(mass > 0 && mass <= 1 + 1e-9, `top-5 mass ${mass}`);
      assert.ok(top!.every((t) => typeof t.text === 'string' && t.text.length > 0), 'display texts');

      const samples = await m.sample({ prompts: [ids, ids], n: 3, temperature: 1, maxTokens: 6, seed: 5, topLogprobs: 2 });
      assert.equal(samples.length, 2);
      for (const row of samples) {
        assert.equal(row.length, 3);
        for (const c of row) {
          assert.ok(['eos', 'stop', 'length'].includes(c.finish));
          assert.ok(c.tokens.length <= 6 && c.tokens.every((t) => Number.isFinite(t.logprob) && t.top!.length <= 2));
          // Display texts add up to the server's text (no EOS text inside).
          assert.equal(c.tokens.map((t) => t.text).join(''), c.text);
          if (c.finish === 'eos') assert.ok(Number.isFinite(c.eosLogprob), 'EOS log-probability kept');
        }
      }

      // log p of one candidate token: exact on every dialect (the top-k lookup where no scoring exists).
      const z = top![1]!;
      const [scored] = await m.score({ items: [{ prompt: ids, continuation: [z.id] }] });
      assert.ok(Math.abs(scored!.logprobs[0]! - z.logprob) < 1e-9);
    });

    if (SCORES.has(dialect)) {
      test('scoring a longer continuation matches the sampled tokens\' own log-probabilities', async () => {
        const { m } = model(server.url, 'demo-base', dialect);
        const ids = await m.encode(PROMPT);
        const [[c]] = await m.sample({ prompts: [ids], n: 1, temperature: 1, maxTokens: 5, seed: 9 });
        // This model has not learned the EOS id yet, so an EOS would stay in the tokens; score what precedes it.
        const kept = c!.tokens.slice(0, c!.tokens.findIndex((t) => t.text === '</s>') >>> 0);
        assert.ok(kept.length >= 1, 'a non-empty continuation to score');
        const cont: TokenId[] = kept.map((t) => t.id);
        const [s] = await m.score({ items: [{ prompt: ids, continuation: cont }], nextTopK: 3 });
        assert.equal(s!.logprobs.length, cont.length);
        s!.logprobs.forEach((lp, i) => assert.ok(Math.abs(lp - kept[i]!.logprob) < 1e-9, `position ${i}`));
        assert.equal(s!.next!.length, 3);
      });
    } else {
      test('scoring a longer text is a capability error naming the URL and the setting', async () => {
        const { m } = model(server.url, 'demo-base', dialect);
        const ids = await m.encode(PROMPT);
        const [top] = await m.nextTokens([ids], 2);
        await assert.rejects(
          m.score({ items: [{ prompt: ids, continuation: top!.map((t) => t.id) }] }),
          (e: unknown) => e instanceof TqError && e.kind === 'capability' && e.message.includes(`${server.url}${dialect === 'ollama' ? '/api/generate' : '/v1/completions'}`) && e.setting === 'tqstar.decoding.transfer',
        );
      });
    }

    if (dialect !== 'vllm' && dialect !== 'llamacpp') {
      test('text-mode server: the re-tokenisation drift warning is carried', () => {
        const { m } = model(server.url, 'demo-base', dialect);
        assert.ok(m.warnings.some((w) => /re-tokenis/.test(w)));
      });
    }

    if (dialect === 'sglang') {
      test('text-mode echo scoring: several items in one request, an EOS read from the top-k, a glued lone token looked up instead', async () => {
        const { m } = model(server.url, 'demo-base', dialect);
        const ids = await m.encode(PROMPT);
        const [top] = await m.nextTokens([ids], 20);
        const eos = top!.find((t) => t.text === '</s>');
        assert.ok(eos, 'this prompt has the EOS among its top-20 (checked once; the demo model is fixed)');
        const word = top![0]!;
        const before = server.stats().byPath['/v1/completions'] ?? 0;
        const res = await m.score({ items: [{ prompt: ids, continuation: [eos.id] }, { prompt: ids, continuation: [word.id] }, { prompt: ids, continuation: [word.id, eos.id] }] });
        assert.equal((server.stats().byPath['/v1/completions'] ?? 0) - before, 1, 'one request for every item');
        // The same log-probabilities the top-k list gives, by a different route (echo of the re-tokenised text).
        assert.ok(Math.abs(res[0]!.logprobs[0]! - eos.logprob) < 1e-9, 'EOS alone');
        assert.ok(Math.abs(res[1]!.logprobs[0]! - word.logprob) < 1e-9, 'one word');
        assert.equal(res[2]!.logprobs.length, 2);
        assert.ok(Math.abs(res[2]!.logprobs[0]! - word.logprob) < 1e-9);
        const [after] = await m.nextTokens([[...ids, word.id]], 20);
        const eosAfter = after!.find((t) => t.text === '</s>');
        assert.ok(eosAfter, 'EOS among the top-20 after the word too');
        assert.ok(Math.abs(res[2]!.logprobs[1]! - eosAfter.logprob) < 1e-9, 'EOS after the word');
        // "od" glued to "was" re-tokenises as other tokens; the lone-token fallback looks it up in the top-k, where it is not.
        const od = (await m.encode('od'))[0]!;
        await assert.rejects(
          m.score({ items: [{ prompt: ids, continuation: [od] }] }),
          (e: unknown) => e instanceof TqError && e.kind === 'capability' && /outside its own top-20/.test(e.message) && e.setting === 'tqstar.decoding.proposer',
        );
      });

      test('echo scoring that the server splits differently is a drift error, not a wrong log-probability', async () => {
        const { m } = model(server.url, 'demo-base', dialect);
        // In text mode encode() interns any string as one local token: " go" + "od" re-tokenises as " good".
        const [prompt] = [await m.encode(PROMPT)];
        const cont = [(await m.encode(' go'))[0]!, (await m.encode('od'))[0]!];
        await assert.rejects(
          m.score({ items: [{ prompt: prompt!, continuation: cont }] }),
          (e: unknown) => e instanceof TqError && e.kind === 'capability' && /drift/.test(e.message) && e.message.includes(`${server.url}/v1/completions`) && e.setting === 'tqstar.decoding.proposer',
        );
      });
    }
  });
}

test('a top-k beyond the server\'s maximum is a capability error naming tqstar.decoding.topK', { timeout: 10_000 }, async () => {
  const server = await startServer({ port: 0, quiet: true });
  try {
    const { m } = model(server.url, 'demo-base', 'vllm');
    await assert.rejects(
      m.nextTokens([[1, 2]], 50),
      (e: unknown) => e instanceof TqError && e.kind === 'capability' && e.setting === 'tqstar.decoding.topK' && e.message.includes(`${server.url}/v1/completions`),
    );
  } finally {
    await server.close();
  }
});

test('end to end with dialect "auto" and explicit dialects: TQ* and best-of-N decode on every server dialect', { timeout: 150_000 }, async () => {
  const cases = [['vllm', 'auto'], ['sglang', 'auto'], ['llamacpp', 'auto'], ['ollama', 'auto'], ['openai', 'auto'], ['vllm', 'openai'], ['sglang', 'sglang'], ['openai', 'openai']] as const;
  for (const [serverDialect, dialect] of cases) {
    const server = await startServer({ port: 0, quiet: true, dialect: serverDialect });
    try {
      const demo = demoRunConfig(server.url);
      // Without scoring, candidates must come from the base model's own top-k.
      const proposer = (serverDialect === 'vllm' && dialect === 'auto') || serverDialect === 'sglang' ? 'baseline' : 'base';
      const config = loadRunConfig({
        ...demo,
        base: { ...demo.base, dialect },
        baseline: { ...demo.baseline, dialect },
        decoding: { topK: 4, rollouts: 2, horizon: 6, maxTokens: 10, seed: 3, proposer, bestOfN: 6 },
      });
      const { env, warnings } = await buildEnv(config);
      assert.notEqual(env.base.eosId, null, `${serverDialect}/${dialect}: EOS id known before the run`);
      // Text mode (and its drift warning) except on vLLM, llama.cpp and an auto-detected SGLang (native /generate).
      const ids = ['vllm', 'llamacpp'].includes(serverDialect) || (serverDialect === 'sglang' && dialect === 'auto');
      if (!ids || dialect === 'openai') assert.ok(warnings.some((w) => /re-tokenis/.test(w)), 'drift warning carried');
      else assert.ok(!warnings.some((w) => /re-tokenis/.test(w)), `${serverDialect}/${dialect}: no drift warning with ids end to end`);
      const run = await runStrategies(['tqstar', 'bon'], { text: 'The food was' }, env, config.decoding);
      for (const r of run.results) {
        assert.equal(r.error, undefined, `${serverDialect}/${dialect} ${r.strategy}: ${r.error?.message}`);
        assert.ok(r.text.length > 0 && !r.text.includes('</s>'), `${serverDialect}/${dialect} ${r.strategy}: ${JSON.stringify(r.text)}`);
        assert.ok(Number.isFinite(r.reward));
      }
    } finally {
      await server.close();
    }
  }
});

test('the probe asks /props of a llama.cpp server only: an SGLang server (native /generate) is not asked', { timeout: 30_000 }, async () => {
  for (const dialect of ['sglang', 'llamacpp'] as const) {
    const server = await startServer({ port: 0, quiet: true, dialect });
    try {
      const paths: Record<string, number> = {};
      const count = (url: string) => {
        const p = new URL(url).pathname;
        paths[p] = (paths[p] ?? 0) + 1;
      };
      const ep = new Endpoint({ role: 'base', baseUrls: [`${server.url}/v1`], timeoutMs: 10_000, maxConcurrency: 8, settingPrefix: 'tqstar.base', log: (l) => count(l.url) });
      const { caps } = await detectCapabilities(ep, 'demo-base');
      assert.equal(caps.dialect, dialect);
      if (dialect === 'sglang') {
        assert.equal(caps.idsBack, 'generate', 'SGLang detected with its native /generate');
        assert.equal(paths['/props'], undefined, `an SGLang server is not asked for /props: ${JSON.stringify(paths)}`);
      } else assert.equal(paths['/props'], 1, `a llama.cpp server is asked for /props once: ${JSON.stringify(paths)}`);
    } finally {
      await server.close();
    }
  }
});
