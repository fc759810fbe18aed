// The engine's tokenizer (llama.cpp's SPM tokenizer through node-llama-cpp) equals the trainer's (models/train/tokenizer.py).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MANIFEST, ROOT, TINY, runTiny, tinyMissing } from './tinyRun';

interface Ref { tokenizations?: { text: string; ids: number[] }[]; files: Record<string, { tokenizations?: { text: string; ids: number[] }[]; vocab_size?: number }> }

interface Tokenized { bos: number; eos: number; ids: number[][] }

function tokenize(dir: string, files: string[], texts: string[]): Tokenized[] {
  return runTiny<Tokenized[]>({ op: 'tokenize', files: files.map((f) => join(dir, f)), texts });
}

function check(file: string, got: Tokenized, refs: { text: string; ids: number[] }[]): void {
  assert.equal(got.bos, 1);
  assert.equal(got.eos, 2);
  refs.forEach((r, i) => assert.deepEqual([got.bos, ...got.ids[i]!], r.ids, `${file}: ${JSON.stringify(r.text)}`));
}

test('fixtures: node-llama-cpp tokenizes the reference sentences exactly as the trainer (BOS included)', () => {
  const dir = join(ROOT, 'test', 'fixtures', 'gguf');
  const ref = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')) as Ref;
  const files = Object.keys(ref.files);
  // every fixture has the same reference sentences, so one child tokenizes them in all files
  const texts = ref.files[files[0]!]!.tokenizations!.map((t) => t.text);
  tokenize(dir, files, texts).forEach((got, k) => check(files[k]!, got, ref.files[files[k]!]!.tokenizations!));
  // The other-vocabulary fixture really differs: the same sentence gets other ids.
  const a = ref.files['random-a.gguf']!.tokenizations!, o = ref.files['random-other-vocab.gguf']!.tokenizations!;
  assert.ok(a.some((t, i) => JSON.stringify(t.ids) !== JSON.stringify(o[i]!.ids)));
});

test('tiny models: the engine and the trainer agree on all reference sentences', { skip: tinyMissing() }, () => {
  const ref = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Ref;
  assert.ok(ref.tokenizations!.length >= 50);
  check('sft.gguf', tokenize(TINY, ['sft.gguf'], ref.tokenizations!.map((t) => t.text))[0]!, ref.tokenizations!);
});

test('tiny models: the manifest describes the committed files (sha256, size) and one shared tokenizer', { skip: tinyMissing() }, () => {
  const ref = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { files: Record<string, { sha256: string; bytes: number }> };
  assert.deepEqual(Object.keys(ref.files).sort(), ['dpo-politeness.gguf', 'dpo-sentiment.gguf', 'sft.gguf']);
  for (const [file, info] of Object.entries(ref.files)) {
    const data = readFileSync(join(TINY, file));
    assert.equal(data.length, info.bytes, file);
    assert.equal(createHash('sha256').update(data).digest('hex'), info.sha256, `${file}: sha256 differs from the manifest (run npm run models)`);
  }
  const texts = ['The customer service was', 'Thank you, have a lovely day.'];
  const ids = tokenize(TINY, Object.keys(ref.files), texts).map((t) => t.ids);
  assert.deepEqual(ids[1], ids[0]);
  assert.deepEqual(ids[2], ids[0]);
});
