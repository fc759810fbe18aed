// The skimming completion reader (leanJson.ts) reads exactly what JSON.parse reads: fuzzed bodies, hostile keys, cut bodies, misplaced lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DIALECT_CAPABILITIES } from '../../src/backends/capabilities';
import { parseCompletionBody, RawTops } from '../../src/backends/leanJson';
import { parseCompletion, type ParsedChoice } from '../../src/backends/parse';
import { TqError } from '../../src/core/errors';

const RUNS = { seed: 11, numRuns: 300 };
const URL_ = 'http://fuzz.invalid/v1/completions';

/** The value with every RawTops replaced by the array it stands for. */
function materialised(x: unknown): unknown {
  if (x instanceof RawTops) return Array.from({ length: x.length }, (_, i) => x.at(i));
  if (Array.isArray(x)) return x.map(materialised);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, materialised(v)]));
  return x;
}

const countRaw = (x: unknown): number => (x instanceof RawTops ? 1 : Array.isArray(x) ? x.reduce((n: number, v) => n + countRaw(v), 0) : x && typeof x === 'object' ? Object.values(x).reduce((n: number, v) => n + countRaw(v), 0) : 0);

// Keys as servers and hostile servers write them: ids, texts with quotes, brackets, escapes and the marker's own look.
const key = fc.oneof(
  fc.integer({ min: 0, max: 99 }).map((i) => `token_id:${i}`),
  fc.constantFrom('"', '\\', ']', '}', '[{', '"top_logprobs":[', '\u0000tq-raw-tops:0', ' ', '\u202e', ''),
  fc.string(),
);
const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -50, max: 0 }), fc.constantFrom(0, -9999, 5e-7, null, true, '', 'x', [], {}));
// vLLM's own lists: ids for keys, numbers for values (the compact fast path), and hostile ones beside them.
const idKey = fc.integer({ min: 0, max: 200_000 }).map((i) => `token_id:${i}`);
const idList = fc.dictionary(idKey, fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e4, max: 0 }), fc.constantFrom(-9999, 0, -1e-300, 5e-7)), { maxKeys: 8 });
const tops = fc.array(fc.oneof(idList, idList, fc.dictionary(key, value, { maxKeys: 6 }), fc.constant(null), fc.constantFrom(0, '', false, 'ab')), { maxLength: 6 });
const choice = fc.record({
  index: fc.nat(5),
  text: fc.oneof(fc.string(), fc.constant('"top_logprobs":[1,2]')),
  logprobs: fc.oneof(
    fc.record({ tokens: fc.array(key, { maxLength: 6 }), token_logprobs: fc.array(value, { maxLength: 6 }), top_logprobs: tops, text_offset: fc.array(fc.nat(30), { maxLength: 6 }) }),
    fc.record({ top_logprobs: fc.oneof(fc.constant(null), fc.jsonValue()) }),
    fc.constant(null),
  ),
  finish_reason: fc.constantFrom('length', 'stop', null),
});
const body = fc.oneof(
  fc.record({ choices: fc.array(choice, { maxLength: 4 }), usage: fc.jsonValue() }),
  fc.array(fc.record({ choices: fc.array(choice, { maxLength: 3 }) }), { maxLength: 3 }),
  fc.jsonValue(),
  // A top_logprobs list where no choice reads it: must come back as a plain array.
  fc.record({ top_logprobs: tops, choices: fc.constant([]) }),
);

test('parseCompletionBody reads every body exactly as JSON.parse does (lists materialised), in any layout', () => {
  fc.assert(
    fc.property(body, fc.constantFrom(undefined, 1, '\t'), (b, indent) => {
      const text = JSON.stringify(b, null, indent);
      assert.deepEqual(materialised(parseCompletionBody(text)), JSON.parse(text));
    }),
    RUNS,
  );
});

test('a well-formed completion keeps every choice list raw, and has() agrees with array[i] truthiness', () => {
  const top = [{ 'token_id:1': -0.5, 'token_id:2': -1 }, null, { '"]}': -2 }, 0, ''];
  const text = JSON.stringify({ choices: [0, 1].map((i) => ({ index: i, text: 'a', logprobs: { tokens: ['token_id:1'], token_logprobs: [-0.5], top_logprobs: top } })) });
  const b = parseCompletionBody(text) as { choices: Array<{ logprobs: { top_logprobs: RawTops } }> };
  assert.equal(countRaw(b), 2);
  const raw = b.choices[1]!.logprobs.top_logprobs;
  assert.deepEqual(top.map((_, i) => raw.has(i)), top.map((x) => !!x));
  assert.deepEqual(raw.at(2), { '"]}': -2 });
  assert.equal(raw.at(9), undefined);
});

test('compact id lists (the fast path) and spaced or text-keyed ones (the scanner) read alike', () => {
  const lists = [[{ 'token_id:426': -3.38, 'token_id:5': -1e-7 }, null, {}], [{ ' a': -1, 'b"]': -2 }], [null, { 'token_id:1': -9999 }]];
  for (const indent of [undefined, 1]) {
    const text = JSON.stringify({ choices: lists.map((l, i) => ({ index: i, logprobs: { tokens: [], top_logprobs: l } })) }, null, indent);
    const b = parseCompletionBody(text) as { choices: Array<{ logprobs: { top_logprobs: unknown } }> };
    assert.ok(b.choices.every((c) => c.logprobs.top_logprobs instanceof RawTops));
    assert.deepEqual(materialised(b), JSON.parse(text));
  }
  // Not JSON inside a compact-looking list (a number with a leading zero): not the fast path; read and refused like JSON.parse.
  const bad = '{"choices":[{"logprobs":{"top_logprobs":[{"token_id:1":-01}]}}]}';
  const b = parseCompletionBody(bad) as { choices: Array<{ logprobs: { top_logprobs: RawTops } }> };
  assert.throws(() => b.choices[0]!.logprobs.top_logprobs.at(0), SyntaxError);
});

test('a body cut short or malformed fails with the SyntaxError JSON.parse gives (so the endpoint retries it)', () => {
  const text = JSON.stringify({ choices: [{ index: 0, text: 'a', logprobs: { tokens: ['token_id:1'], token_logprobs: [-0.5], top_logprobs: [{ 'token_id:1': -0.5 }] } }] });
  for (let cut = 1; cut < text.length; cut += 7) assert.throws(() => parseCompletionBody(text.slice(0, cut)), SyntaxError);
  // Two "top_logprobs" keys in one object (JSON.parse keeps the last): read in full, as JSON.parse reads it.
  const twice = '{"choices":[{"logprobs":{"top_logprobs":[{"a":-1}],"top_logprobs":[{"b":-2}]}}]}';
  assert.deepEqual(materialised(parseCompletionBody(twice)), JSON.parse(twice));
});

test('a list that is not valid JSON inside a well-formed body is a protocol error naming the field when it is read', () => {
  const text = '{"choices":[{"index":0,"text":"a","logprobs":{"tokens":["token_id:1","token_id:2"],"token_logprobs":[-0.5,-1],"top_logprobs":[{"token_id:1":-0.5},{"token_id:2":-1,,}]}}]}';
  const [c] = parseCompletion(parseCompletionBody(text), DIALECT_CAPABILITIES.vllm, URL_, 1, 1);
  assert.deepEqual(c!.positions[0]!.top.map((t) => t.logprob), [-0.5]);
  assert.throws(() => c!.positions[1]!.lazyTop!(), (e: unknown) => e instanceof TqError && e.kind === 'protocol' && e.message.includes(URL_) && e.message.includes('choices[0].logprobs.top_logprobs[1]'));
});

/** Choices with every lazy list read, for comparing two parses. */
const resolved = (cs: ParsedChoice[] | TqError) =>
  cs instanceof TqError ? `${cs.kind}: ${cs.message}` : cs.map((c) => ({ ...c, raw: materialised(c.raw), positions: c.positions.map((p) => ({ ...p, lazyTop: p.lazyTop ? outcome(p.lazyTop) : undefined })) }));
function outcome<T>(f: () => T): T | TqError {
  try {
    return f();
  } catch (e) {
    if (e instanceof TqError) return e;
    throw e;
  }
}

test('parseCompletion over a skimmed body gives the same choices, positions, lists and errors as over JSON.parse', () => {
  fc.assert(
    fc.property(fc.constantFrom('vllm', 'sglang', 'openai') as fc.Arbitrary<'vllm' | 'sglang' | 'openai'>, body, fc.nat(3), (dialect, b, topPositions) => {
      const text = JSON.stringify(b);
      const caps = DIALECT_CAPABILITIES[dialect];
      const plain = resolved(outcome(() => parseCompletion(JSON.parse(text), caps, URL_, 2, topPositions)));
      const skimmed = resolved(outcome(() => parseCompletion(parseCompletionBody(text), caps, URL_, 2, topPositions)));
      assert.deepEqual(skimmed, plain);
    }),
    RUNS,
  );
});
