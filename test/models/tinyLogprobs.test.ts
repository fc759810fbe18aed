// The engine's next-token log-probs (node-llama-cpp, llama.cpp CPU) match PyTorch float64 on the same F16 weights.
// Bounds are max |Δ log p| over the reference top-20 at every position of every reference prompt, measured here
// (node-llama-cpp 3.21.1, llama.cpp 80fb11a, CPU):
//   F32 KV cache + flash attention off: random fixtures 2.7e-6–4.1e-6, tiny models 1.2e-5–1.6e-5 (PyTorch's own
//   float32 is 8e-6 from its float64 on sft, so this is float32 round-off) → bound 5e-5.
//   defaults (F16 KV cache): tiny models 2.8e-3–3.1e-3, random fixtures 4.3e-3–1.2e-2 → bounds below.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PositionResult } from './tinyChild';
import { MANIFEST, ROOT, TINY, runTiny, tinyMissing } from './tinyRun';

const F32_BOUND = 5e-5;
// F16 KV rounding; the random fixtures' weights are larger than trained ones, so they move more.
const DEFAULT_BOUND = { tiny: 8e-3, fixture: 2.5e-2 };

interface RefPrompt { text: string; ids: number[]; positions: { position: number; top: [number, number][] }[] }
interface Ref { files: Record<string, { prompts: RefPrompt[] }> }

interface Run { file: string; kv: 'f32' | 'default'; prompts: RefPrompt[] }
interface Outcome { worst: number; argmaxMisses: string[] }

/** Max |Δ log p| over the reference top-20s, and the positions whose argmax differs; all runs in one child. */
function compareAll(dir: string, runs: Run[]): Outcome[] {
  const got = runTiny<PositionResult[][][]>({ op: 'logprobs', runs: runs.map((r) => ({ file: join(dir, r.file), kv: r.kv, prompts: r.prompts.map((p) => ({ ids: p.ids, want: p.positions.map((q) => q.top.map(([id]) => id)) })) })) });
  return runs.map((r, k) => outcome(r.prompts, got[k]!));
}

function outcome(prompts: RefPrompt[], got: PositionResult[][]): Outcome {
  let worst = 0;
  const argmaxMisses: string[] = [];
  prompts.forEach((p, i) => p.positions.forEach((q, j) => {
    const g = got[i]![j]!;
    if (g.argmax !== q.top[0]![0]) argmaxMisses.push(`${JSON.stringify(p.text)}@${q.position}`);
    for (const [id, lp] of q.top) worst = Math.max(worst, Math.abs(g.logprobs[id]! - lp));
  }));
  return { worst, argmaxMisses };
}

function checkAll(dir: string, ref: Ref, defaultBound: number): void {
  const runs = Object.entries(ref.files).flatMap(([file, info]) => (['f32', 'default'] as const).map((kv) => ({ file, kv, prompts: info.prompts })));
  compareAll(dir, runs).forEach((o, k) => {
    const { file, kv } = runs[k]!;
    const bound = kv === 'f32' ? F32_BOUND : defaultBound;
    assert.deepEqual(o.argmaxMisses, [], `${file}: argmax differs (${kv} KV)`);
    assert.ok(o.worst <= bound, `${file}: max |Δ log p| ${o.worst} with ${kv} KV > ${bound}`);
    console.log(`# ${file} ${kv} KV: max |Δ log p| ${o.worst.toExponential(2)}`);
  });
}

test('fixtures: log-probs match PyTorch float64 (F32 KV ≤ 5e-5; defaults within the stated bound)', () => {
  const dir = join(ROOT, 'test', 'fixtures', 'gguf');
  checkAll(dir, JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')) as Ref, DEFAULT_BOUND.fixture);
});

test('fixtures: a model checked against another model\'s references fails the bound (the check can fail)', () => {
  const dir = join(ROOT, 'test', 'fixtures', 'gguf');
  const ref = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')) as Ref;
  const [wrong] = compareAll(dir, [{ file: 'random-a.gguf', kv: 'f32', prompts: ref.files['random-b.gguf']!.prompts }]);
  assert.ok(wrong!.worst > 0.1, `random-a against random-b's references: ${wrong.worst}`);
  assert.ok(wrong!.argmaxMisses.length > 0);
});

test('tiny models: log-probs at the reference prompts match PyTorch float64', { skip: tinyMissing() }, () => {
  checkAll(TINY, JSON.parse(readFileSync(MANIFEST, 'utf8')) as Ref, DEFAULT_BOUND.tiny);
});
