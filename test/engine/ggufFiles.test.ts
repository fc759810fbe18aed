// Model files the user did not write: a header whose counts do not fit the file fails at once naming the file and
// the setting, and a model whose weights make non-finite logits is reported as that, naming the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildEnv, EnginePool, loadRunConfig } from '../../src/backends/index';
import type { RunConfigInput } from '../../src/config/schema';
import { TqError } from '../../src/core/errors';
import { checkGgufFile, readGgufHeader } from '../../src/engine/ggufFile';
import { toF32 } from '../models/f32Gguf';

const FIXTURES = fileURLToPath(new URL('../fixtures/gguf/', import.meta.url));
const A = join(FIXTURES, 'random-a.gguf');
const B = join(FIXTURES, 'random-b.gguf');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-gguf-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);
const pad = (b: Buffer, size = 4096) => Buffer.concat([b, Buffer.alloc(Math.max(0, size - b.length))]);
const head = (tensors: bigint, kvs: bigint) => Buffer.concat([Buffer.from('GGUF'), u32(3), u64(tensors), u64(kvs)]);
const STRING = 8;
const ARRAY = 9;

const HOSTILE: Record<string, Buffer> = {
  'tensor count 2^63-1': pad(head(2n ** 63n - 1n, 0n)),
  'KV count 2^40': pad(head(0n, 2n ** 40n)),
  'key length 2^62': pad(Buffer.concat([head(0n, 1n), u64(2n ** 62n)])),
  'string value longer than the file': pad(Buffer.concat([head(0n, 1n), str('general.name'), u32(STRING), u64(1_000_000n)])),
  'array of 2^50 strings': pad(Buffer.concat([head(0n, 1n), str('tokenizer.ggml.tokens'), u32(ARRAY), u32(STRING), u64(2n ** 50n)])),
  'tensor beyond the end': pad(Buffer.concat([head(1n, 0n), str('t'), u32(2), u64(4096n), u64(4096n), u32(0), u64(0n)])),
};

async function configError(over: Partial<RunConfigInput>): Promise<{ error: TqError; ms: number }> {
  const pool = new EnginePool();
  const t0 = Date.now();
  try {
    await buildEnv(loadRunConfig({ base: { gguf: A }, baseline: { gguf: B }, reward: { kind: 'builtin', name: 'length', target: 20 }, ...over }), { engines: pool });
  } catch (e) {
    assert.ok(e instanceof TqError, String(e));
    return { error: e, ms: Date.now() - t0 };
  } finally {
    await pool.dispose();
  }
  assert.fail('buildEnv succeeded');
}

test('header counts and lengths are checked against the file size: each hostile header fails at once, naming the file', () => {
  for (const [what, bytes] of Object.entries(HOSTILE)) {
    const f = join(dir, `${what.replace(/\W+/g, '-')}.gguf`);
    writeFileSync(f, bytes);
    const bad = checkGgufFile(f);
    assert.equal(bad?.kind, 'corrupt', `${what}: ${JSON.stringify(bad)}`);
    assert.ok(bad!.message.startsWith(`${f}: damaged or truncated GGUF file`), bad!.message);
  }
  // The real files pass, and the reader sees what the writer wrote.
  for (const f of [A, B]) assert.equal(checkGgufFile(f), null);
  const h = readGgufHeader(A);
  assert.equal(h.tensors.length, 21);
  assert.equal(h.kv.find((k) => k.key === 'general.architecture')?.value, 'llama');
});

test('a 4 KB GGUF claiming 2^63-1 tensors is refused before the engine starts, naming the file and tqstar.base.gguf', { timeout: 60_000 }, async () => {
  const f = join(dir, 'huge-count.gguf');
  writeFileSync(f, HOSTILE['tensor count 2^63-1']!);
  const { error } = await configError({ base: { gguf: f } });
  assert.equal(error.setting, 'tqstar.base.gguf');
  assert.match(error.message, /huge-count\.gguf: damaged or truncated GGUF file \(the tensor count is 9223372036854775807/);
});

test('a baseline whose path contains the base path (sft.gguf.part beside sft.gguf) is blamed on tqstar.baseline.gguf', { timeout: 60_000 }, async () => {
  const base = join(dir, 'sft.gguf');
  writeFileSync(base, toF32(A));
  const part = join(dir, 'sft.gguf.part');
  writeFileSync(part, HOSTILE['tensor beyond the end']!);
  const { error } = await configError({ base: { gguf: base }, baseline: { gguf: part } });
  assert.equal(error.setting, 'tqstar.baseline.gguf', error.message);
  assert.ok(error.message.includes(part));
});

test('a GGUF with NaN weights: sampling and scoring fail naming the file and saying the logits are not finite', { timeout: 90_000 }, async () => {
  const bytes = toF32(A);
  const f = join(dir, 'nan-weights.gguf');
  writeFileSync(f, bytes);
  const h = readGgufHeader(f);
  const norm = h.tensors.find((t) => t.name === 'output_norm.weight')!;
  for (let i = 0; i < norm.dims[0]!; i++) bytes.writeFloatLE(NaN, h.dataStart + norm.offset + 4 * i);
  writeFileSync(f, bytes);
  const pool = new EnginePool();
  try {
    const { env } = await buildEnv(loadRunConfig({ base: { gguf: f }, baseline: { gguf: B }, reward: { kind: 'builtin', name: 'length', target: 20 } }), { engines: pool });
    const prompt = await env.base.encode('The food');
    const why = new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the model produced non-finite logits`);
    await assert.rejects(env.base.sample({ prompts: [prompt], n: 2, temperature: 1, maxTokens: 3, seed: 1 }), why);
    await assert.rejects(env.base.score({ items: [{ prompt, continuation: [5, 6] }] }), why);
    await assert.rejects(env.base.nextTokens([prompt], 5), why);
    // In the engine's words, naming the file and its setting; not prefixed by the engine's internal URL.
    await assert.rejects(env.base.sample({ prompts: [prompt], n: 1, temperature: 1, maxTokens: 3, seed: 2 }), (e: TqError) => {
      assert.ok(e.message.startsWith(`${f}: the model produced non-finite logits`), e.message);
      assert.doesNotMatch(e.message, /127\.0\.0\.1/);
      assert.equal(e.setting, 'tqstar.base.gguf');
      return true;
    });
  } finally {
    await pool.dispose();
  }
});
