// The local engine over real HTTP: a node-llama-cpp child serving random-weight GGUF fixtures, reached through the vLLM client and `gguf` settings.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildEnv, EnginePool, loadRunConfig } from '../../src/backends/index';
import type { RunConfigInput } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import type { Completion, LanguageModel } from '../../src/core/model';
import { cpuDescription } from '../models/cpu';
import { f32Copies } from '../models/f32Gguf';

const FIXTURES = fileURLToPath(new URL('../fixtures/gguf/', import.meta.url));
// F32 copies of the F16 fixtures (the same weight values): llama.cpp's F32 mat-mul does not round the
// activations, so sampling and scoring of the same tokens agree to float32 round-off whatever the batch
// (docs/engine-numerics.md). The F16 files themselves are checked against their own, wider bound below.
const F16_A = join(FIXTURES, 'random-a.gguf');
const F16_B = join(FIXTURES, 'random-b.gguf');
const f32 = f32Copies([F16_A, F16_B]);
const A = f32.path(F16_A);
const B = f32.path(F16_B);
const OTHER = join(FIXTURES, 'random-other-vocab.gguf');
const meta = JSON.parse(readFileSync(join(FIXTURES, 'fixtures.json'), 'utf8')) as {
  files: Record<string, { eos: number; bos: number; vocab_size: number; tokenizations: { text: string; ids: number[] }[] }>;
};

const settings = (over: Partial<RunConfigInput> = {}) =>
  loadRunConfig({ base: { gguf: A }, baseline: { gguf: B }, reward: { kind: 'builtin', name: 'length', target: 20 }, ...over });

// One engine (both fixtures loaded) for the tests that only read from it.
const pool = new EnginePool();
let base: LanguageModel;
let baseline: LanguageModel;
before(async () => {
  const { env } = await buildEnv(settings(), { engines: pool });
  base = env.base;
  baseline = env.baseline;
});
after(async () => {
  await pool.dispose();
  rmSync(f32.dir, { recursive: true, force: true });
});

test('gguf settings reach the engine through the vLLM client: EOS from the file, BOS as the model adds it, ids as the trainer tokenised', async () => {
  const m = meta.files['random-a.gguf']!;
  assert.equal(base.eosId, m.eos);
  assert.equal(baseline.eosId, meta.files['random-b.gguf']!.eos);
  assert.match(base.label, /random-a/);
  for (const t of m.tokenizations.slice(0, 5)) assert.deepEqual(await base.encode(t.text), t.ids, t.text);
});

/** |sampled − scored| for every sampled token's log-prob against a score of the same tokens (EOS included when it ended the sample). */
function deltas(samples: Completion[][], scored: number[][]): number[] {
  const out: number[] = [];
  samples.forEach((row, p) =>
    row.forEach((c, s) => {
      const got = [...c.tokens.map((t) => t.logprob), ...(c.finish === 'eos' ? [c.eosLogprob!] : [])];
      const want = scored[p * row.length + s]!;
      assert.equal(want.length, got.length);
      got.forEach((lp, i) => out.push(Number.isFinite(lp) && Number.isFinite(want[i]!) ? Math.abs(lp - want[i]!) : Infinity));
    }),
  );
  return out;
}

/**
 * Two sampling calls at once on two models of one engine (2 × 6 prompts × 8 samples = 96 sequences in flight,
 * every sequence of both contexts), then a score of the same tokens: the sampled tokens were evaluated one
 * position at a time in batches of whatever other sequences were decoding, the scored ones all at once.
 */
async function sampleThenScore(base: LanguageModel, baseline: LanguageModel, runs: number): Promise<number[]> {
  const texts = ['The customer service was', 'The food', 'My manager said', 'The delivery', 'Thank you for', 'I am sorry'];
  const prompts = await Promise.all(texts.map((t) => base.encode(t)));
  const all: number[] = [];
  for (let run = 0; run < runs; run++) {
    const [sa, sb] = await Promise.all([
      base.sample({ prompts, n: 8, temperature: 1, maxTokens: 12, seed: 100 + run, topLogprobs: 5 }),
      baseline.sample({ prompts, n: 8, temperature: 1, maxTokens: 12, seed: 200 + run }),
    ]);
    const items = (s: Completion[][]) => s.flatMap((row, p) => row.map((c) => ({ prompt: prompts[p]!, continuation: [...c.tokens.map((t) => t.id), ...(c.finish === 'eos' ? [base.eosId!] : [])] })));
    const [ra, rb] = await Promise.all([base.score({ items: items(sa) }), baseline.score({ items: items(sb) })]);
    all.push(...deltas(sa, ra.map((r) => r.logprobs)), ...deltas(sb, rb.map((r) => r.logprobs)));
    // The top-k at each sampled position is the distribution the token came from: its own entry must agree.
    for (const c of sa.flat()) for (const t of c.tokens) for (const alt of t.top ?? []) if (alt.id === t.id) assert.ok(Math.abs(alt.logprob - t.logprob) < 1e-9);
  }
  return all;
}

/** Sampling-vs-scoring bounds per weight type (measured values in docs/engine-numerics.md). */
const AGREE = { f32: 1e-4, f16: 1e-2 };

test('F32 weights: two concurrent batched sampling calls agree with scoring of the same tokens to float32 round-off', { timeout: 120_000 }, async () => {
  const d = await sampleThenScore(base, baseline, 5);
  const worst = Math.max(...d);
  console.log(`# F32 weights: sampled vs scored max |Δ log p| ${worst.toExponential(2)} over ${d.length} tokens`);
  assert.ok(d.length > 1000, `only ${d.length} tokens sampled`);
  assert.ok(worst < AGREE.f32, `F32 weights: sampled vs scored log-probs differ by up to ${worst} (${d.filter((x) => x >= AGREE.f32).length} of ${d.length} ≥ ${AGREE.f32}) on ${cpuDescription()}`);
});

test('F16 weights: sampling and scoring of the same tokens agree within the F16 path\'s bound (the batch changes F16 roundings)', { timeout: 120_000 }, async () => {
  const p = new EnginePool();
  try {
    const { env } = await buildEnv(loadRunConfig({ base: { gguf: F16_A }, baseline: { gguf: F16_B }, reward: { kind: 'builtin', name: 'length', target: 20 } }), { engines: p });
    const d = await sampleThenScore(env.base, env.baseline, 2);
    const worst = Math.max(...d);
    const over = d.filter((x) => x >= AGREE.f32).length;
    console.log(`# F16 weights: sampled vs scored max |Δ log p| ${worst.toExponential(2)}; ${over} of ${d.length} tokens ≥ ${AGREE.f32}`);
    assert.ok(d.length > 400, `only ${d.length} tokens sampled`);
    assert.ok(worst < AGREE.f16, `F16 weights: sampled vs scored log-probs differ by up to ${worst} (> ${AGREE.f16}) on ${cpuDescription()}`);
  } finally {
    await p.dispose();
  }
});

test('sampling is neutral: no top-k / top-p truncation, and tokens far down the distribution are drawn', async () => {
  const prompt = await base.encode('The food');
  const [samples] = await base.sample({ prompts: [prompt], n: 64, temperature: 1, maxTokens: 1, seed: 7 });
  // The 50 most likely next tokens of the raw distribution: a sampler with topK 40 could never leave them.
  const top = await base.score({ items: [{ prompt, continuation: [] }], nextTopK: 20 });
  const top20 = new Set(top[0]!.next!.map((t) => t.id));
  const outside = samples!.filter((c) => c.tokens.length && !top20.has(c.tokens[0]!.id));
  // A random-weight model spreads its mass widely: most of 64 draws land outside its top 20.
  assert.ok(outside.length >= 16, `only ${outside.length} of 64 samples outside the top 20`);
  const distinct = new Set(samples!.map((c) => c.tokens[0]?.id ?? -1));
  assert.ok(distinct.size >= 20, `only ${distinct.size} distinct first tokens in 64 samples: seeds are not varied`);
});

test('the log-prob reported under temperature ≠ 1 is the raw model log-prob (as vLLM reports it)', async () => {
  const prompt = await base.encode('My manager said');
  const [samples] = await base.sample({ prompts: [prompt], n: 8, temperature: 0.6, maxTokens: 6, seed: 3 });
  const items = samples!.map((c) => ({ prompt, continuation: c.tokens.map((t) => t.id) }));
  const scored = await base.score({ items });
  samples!.forEach((c, i) => c.tokens.forEach((t, j) => assert.ok(Math.abs(t.logprob - scored[i]!.logprobs[j]!) < 1e-3, `${t.logprob} vs ${scored[i]!.logprobs[j]}`)));
});

test('top-k at a prefix: sorted, ids with log-probs equal to scoring those ids, and greedy takes the first', async () => {
  const prompt = await base.encode('Thank you for');
  const [top] = await base.nextTokens([prompt], 10);
  assert.equal(top!.length, 10);
  for (let i = 1; i < top!.length; i++) assert.ok(top![i - 1]!.logprob >= top![i]!.logprob);
  const scored = await base.score({ items: top!.map((t) => ({ prompt, continuation: [t.id] })) });
  top!.forEach((t, i) => assert.ok(Math.abs(t.logprob - scored[i]!.logprobs[0]!) < 1e-4));
  const [[greedy]] = await base.sample({ prompts: [prompt], n: 1, temperature: 0, maxTokens: 1 });
  assert.equal(greedy!.tokens[0]?.id ?? base.eosId, top![0]!.id);
});

test('one-token scoring on the tail (logprob_token_ids, as vLLM) gives what echo gives, far outside the top-k too', async () => {
  const prompt = await base.encode('My manager said');
  const V = meta.files['random-a.gguf']!.vocab_size;
  const ids = [0, 1, 5, 77, Math.floor(V / 2), V - 1, base.eosId!];
  const tail = await base.score({ items: ids.map((id) => ({ prompt, continuation: [id] })) });
  // A longer item in the batch sends every item by echo (one request).
  const echo = await base.score({ items: [...ids.map((id) => ({ prompt, continuation: [id] })), { prompt, continuation: [ids[0]!, ids[1]!] }] });
  ids.forEach((id, i) => assert.ok(Math.abs(tail[i]!.logprobs[0]! - echo[i]!.logprobs[0]!) < 1e-4, `id ${id}: tail ${tail[i]!.logprobs[0]} echo ${echo[i]!.logprobs[0]}`));
  assert.equal(base.cheapTokenScoring, true, 'the engine honours the field: no fallback');
  assert.ok(!(base.warnings ?? []).some((w) => w.includes('logprob_token_ids')));
});

async function configError(over: Partial<RunConfigInput>): Promise<TqError> {
  const p = new EnginePool();
  try {
    await buildEnv(settings(over), { engines: p });
  } catch (e) {
    assert.ok(e instanceof TqError, String(e));
    return e;
  } finally {
    await p.dispose();
  }
  assert.fail('buildEnv succeeded');
}

test('errors name the file and the setting: missing file, not GGUF, unknown architecture, different tokenizers', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-engine-'));
  const missing = await configError({ baseline: { gguf: join(dir, 'nope.gguf') } });
  assert.equal(missing.setting, 'tqstar.baseline.gguf');
  assert.match(missing.message, /nope\.gguf: no such file/);

  const notGguf = join(dir, 'model.safetensors');
  writeFileSync(notGguf, Buffer.from('{"__metadata__":{}}'));
  const e2 = await configError({ base: { gguf: notGguf } });
  assert.equal(e2.setting, 'tqstar.base.gguf');
  assert.match(e2.message, /model\.safetensors: not a GGUF model file/);

  const arch = join(dir, 'arch.gguf');
  writeFileSync(arch, ggufWithArchitecture('nonesuch'));
  const e3 = await configError({ base: { gguf: arch } });
  assert.equal(e3.setting, 'tqstar.base.gguf');
  assert.match(e3.message, /arch\.gguf: llama\.cpp does not support this model's architecture/);

  const e4 = await configError({ baseline: { gguf: OTHER } });
  assert.equal(e4.setting, 'tqstar.baseline.gguf');
  assert.match(e4.message, /different tokenizers \(vocabularies of 512 and 416 tokens\)/);
  assert.ok(e4.message.includes(OTHER));
});

test('relative gguf paths start at the config folder, "~" at the home folder; baseUrl and gguf together are refused', async () => {
  const { resolveModelPath } = await import('../../src/engine/pool');
  assert.equal(resolveModelPath('m/x.gguf', '/cfg'), '/cfg/m/x.gguf');
  assert.equal(resolveModelPath('/abs/x.gguf', '/cfg'), '/abs/x.gguf');
  assert.equal(resolveModelPath('~/x.gguf', '/cfg'), join((await import('node:os')).homedir(), 'x.gguf'));
  assert.throws(() => settings({ base: { gguf: A, baseUrl: 'http://h/v1', model: 'm' } }), /base\.gguf: set either gguf/);
  assert.throws(() => settings({ base: { model: 'm' } }), /base\.baseUrl: is required \(or set gguf/);
});

/** A GGUF v3 header with only general.architecture: enough for llama.cpp to read it and refuse the architecture. */
function ggufWithArchitecture(name: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    return Buffer.concat([len, b]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const GGUF_TYPE_STRING = 8;
  return Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(1), str('general.architecture'), u32(GGUF_TYPE_STRING), str(name)]);
}

test('the engine child dies with its parent, even when the parent is killed', { timeout: 60_000 }, async () => {
  const { spawn } = await import('node:child_process');
  // A parent that starts an engine, prints the engine's pid, and waits to be killed.
  const script = `const { startEngineProcess } = require(${JSON.stringify(fileURLToPath(new URL('../../src/engine/spawn.ts', import.meta.url)))});
    startEngineProcess([{ name: 'a', file: ${JSON.stringify(A)} }]).then((e) => { console.log(e.pid); setInterval(() => {}, 1000); });`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    parent.once('exit', (c) => reject(new Error(`parent exited (${c})`)));
  });
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(alive());
  parent.kill('SIGKILL');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!alive(), `engine ${pid} outlived its killed parent`);
});

test('the engine refuses to start without UV_THREADPOOL_SIZE=1', { timeout: 30_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/engine/child.ts', import.meta.url))], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '4', TQSTAR_ENGINE_SPEC: JSON.stringify({ models: [{ name: 'a', file: A }] }) },
    input: '',
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /must be started with UV_THREADPOOL_SIZE=1/);
});

test('texts: a completion continues its prompt with the right spacing, and token texts keep their leading spaces', async () => {
  const { url, served } = await pool.serve([A, B]);
  const name = served.get(A)!.name;
  const post = async (path: string, body: unknown) =>
    (await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<{ prompt: string; tokens: number[] }>;
  const text = 'The customer service was';
  const prompt = await base.encode(text);
  const samples = (await base.sample({ prompts: [prompt], n: 48, temperature: 1, maxTokens: 4, seed: 11 }))[0]!;
  let joined = 0;
  for (const c of samples) {
    const whole = await post('/detokenize', { model: name, tokens: [...prompt, ...c.tokens.map((t) => t.id)] });
    assert.equal(text + c.text, whole.prompt);
    // Rewards read texts built from token texts: joined, they must be the completion's own text.
    if (c.tokens.every((t) => !t.text.includes('\uFFFD'))) {
      assert.equal(c.tokens.map((t) => t.text).join(''), c.text);
      joined++;
    }
  }
  assert.ok(joined > 0, 'every sample had a byte-fallback token');
  assert.ok(samples.some((c) => c.text.startsWith(' ')), 'no completion starts with a word-initial (space-prefixed) token');
});
