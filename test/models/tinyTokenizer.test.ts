// The engine's tokenizer (llama.cpp's SPM tokenizer through node-llama-cpp) equals the trainer's (models/train/tokenizer.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MANIFEST, ROOT, TINY, runTiny, tinyMissing } from './tinyRun';

interface Ref { tokenizations?: { text: string; ids: number[] }[]; files: Record<string, { tokenizations?: { text: string; ids: number[] }[]; vocab_size?: number }> }

function check(dir: string, file: string, refs: { text: string; ids: number[] }[]): void {
  const got = runTiny<{ bos: number; eos: number; ids: number[][] }>({ op: 'tokenize', file: join(dir, file), texts: refs.map((r) => r.text) });
  assert.equal(got.bos, 1);
  assert.equal(got.eos, 2);
  refs.forEach((r, i) => assert.deepEqual([got.bos, ...got.ids[i]!], r.ids, `${file}: ${JSON.stringify(r.text)}`));
}

test('fixtures: node-llama-cpp tokenizes the reference sentences exactly as the trainer (BOS included)', () => {
  const dir = join(ROOT, 'test', 'fixtures', 'gguf');
  const ref = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')) as Ref;
  for (const [file, info] of Object.entries(ref.files)) check(dir, file, info.tokenizations!);
  // The other-vocabulary fixture really differs: the same sentence gets other ids.
  const a = ref.files['random-a.gguf']!.tokenizations!, o = ref.files['random-other-vocab.gguf']!.tokenizations!;
  assert.ok(a.some((t, i) => JSON.stringify(t.ids) !== JSON.stringify(o[i]!.ids)));
});

test('tiny models: the engine and the trainer agree on all reference sentences', { skip: tinyMissing() }, () => {
  const ref = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Ref;
  assert.ok(ref.tokenizations!.length >= 50);
  check(TINY, 'sft.gguf', ref.tokenizations!);
});
