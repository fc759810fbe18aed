// Property-based fuzzing (fast-check, seeded, bounded by numRuns) of the parsers that read server answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DIALECT_CAPABILITIES } from '../../src/backends/capabilities';
import { parseCompletion, promptLogprobsFor, type ParsedChoice } from '../../src/backends/parse';
import { parseRetryAfter } from '../../src/backends/retry';
import { fillTemplate, getPath } from '../../src/backends/rewards/httpJson';
import { oneScorePerInput, scoreOf } from '../../src/backends/validate';
import { terminalLine, terminalText } from '../../src/cli/terminalText';
import { TqError } from '../../src/core/errors';

const RUNS = { seed: 11, numRuns: 400 };
const URL_ = 'http://fuzz.invalid/v1/completions';
const DIALECTS = ['vllm', 'sglang', 'llamacpp', 'ollama', 'openai'] as const;

/** Either a value, or a TqError: a parser must never fail with a TypeError or RangeError on hostile input. */
function outcome<T>(f: () => T): T | TqError {
  try {
    return f();
  } catch (e) {
    if (e instanceof TqError) return e;
    throw e;
  }
}

/** Every log-probability a parse hands on is a number ≤ 0 (−Infinity only for a top-k entry sent as null); top lists best first, one entry per id. */
function checkParsed(choices: ParsedChoice[]): void {
  for (const c of choices) {
    for (const p of c.positions) {
      assert.ok(p.logprob === null || (Number.isFinite(p.logprob) && p.logprob <= 0), `position logprob ${p.logprob}`);
      // A list parsed on demand may refuse then, with the same protocol error.
      const lazy = p.top.length ? p.top : outcome(() => p.lazyTop?.() ?? []);
      if (lazy instanceof TqError) {
        assert.equal(lazy.kind, 'protocol');
        continue;
      }
      const top = lazy;
      top.forEach((t, i) => {
        assert.ok(t.logprob <= 0 && !Number.isNaN(t.logprob), `top logprob ${t.logprob}`);
        if (i > 0) assert.ok(top[i - 1]!.logprob >= t.logprob, 'sorted');
      });
      const ids = top.flatMap((t) => ('id' in t.key ? [t.key.id] : []));
      assert.equal(new Set(ids).size, ids.length, 'one entry per id');
    }
  }
}

// Numbers as hostile servers send them: in and out of range, and not numbers at all.
const hostileNumber = fc.oneof(
  fc.double({ noNaN: true, min: -1e4, max: 0 }),
  fc.double(),
  fc.constantFrom(0, -0, 1e-7, 5e-7, 2e-6, 50, -9999, 1e308),
  fc.constantFrom(true, false, '', '-0.5', '0x10', null, [], {}, [-1]),
);
const tokenKey = fc.oneof(fc.integer({ min: 0, max: 40 }).map((i) => `token_id:${i}`), fc.constantFrom('token_id:05', 'token_id:5', ' a', '\u202e', ''), fc.string());

const legacyChoice = fc.record({
  index: fc.oneof(fc.nat(4), fc.constant(undefined)),
  text: fc.string(),
  finish_reason: fc.constantFrom('length', 'stop', null),
  logprobs: fc.nat(6).chain((n) =>
    fc.record({
      tokens: fc.array(tokenKey, { minLength: n, maxLength: n }),
      token_logprobs: fc.array(hostileNumber, { minLength: n, maxLength: n }),
      top_logprobs: fc.array(fc.dictionary(tokenKey, hostileNumber, { maxKeys: 5 }), { minLength: n, maxLength: n }),
      text_offset: fc.array(fc.integer({ min: -1, max: 20 }), { minLength: n, maxLength: n }),
    }),
  ),
});
const contentChoice = fc.record({
  index: fc.nat(3),
  text: fc.string(),
  logprobs: fc.record({
    content: fc.array(
      fc.record({
        id: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(undefined)),
        token: fc.oneof(fc.string(), fc.constant(undefined)),
        logprob: hostileNumber,
        top_logprobs: fc.array(fc.record({ id: fc.integer({ min: 0, max: 30 }), token: fc.string(), logprob: hostileNumber }), { maxLength: 5 }),
      }),
      { maxLength: 6 },
    ),
  }),
});

test('fuzz: completion parsing of structured hostile answers yields valid log-probabilities or a protocol error', () => {
  fc.assert(
    fc.property(fc.constantFrom(...DIALECTS), fc.array(fc.oneof(legacyChoice, contentChoice), { maxLength: 4 }), fc.nat(3), (dialect, choices, topPositions) => {
      const r = outcome(() => parseCompletion({ choices }, DIALECT_CAPABILITIES[dialect], URL_, 1, topPositions));
      if (r instanceof TqError) assert.ok(['protocol'].includes(r.kind) && r.message.includes(URL_), r.message);
      else checkParsed(r);
    }),
    RUNS,
  );
});

test('fuzz: completion parsing of arbitrary JSON never throws anything but a TqError', () => {
  fc.assert(
    fc.property(fc.constantFrom(...DIALECTS), fc.oneof(fc.jsonValue(), fc.record({ choices: fc.array(fc.jsonValue(), { maxLength: 4 }) })), (dialect, body) => {
      const r = outcome(() => parseCompletion(body, DIALECT_CAPABILITIES[dialect], URL_, 2));
      if (!(r instanceof TqError)) checkParsed(r);
    }),
    RUNS,
  );
});

test('fuzz: vLLM prompt_logprobs of any shape give null or a log-probability ≤ 0', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(null), fc.dictionary(fc.nat(9).map(String), fc.oneof(fc.record({ logprob: hostileNumber }), fc.jsonValue()))), { maxLength: 6 }), fc.array(fc.nat(9), { maxLength: 6 }), (list, ids) => {
      const r = outcome(() => promptLogprobsFor({ prompt_logprobs: list }, ids, URL_));
      if (!(r instanceof TqError)) for (const x of r) assert.ok(x === null || (Number.isFinite(x) && x <= 0), String(x));
    }),
    RUNS,
  );
});

test('fuzz: a score is a finite JSON number; a numeric string only when allowed, and only plain decimal', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.double(), fc.string(), fc.constantFrom('0x10', '1e3', ' 5', 'Infinity', '-.5', '1_0', '0b1')), fc.boolean(), (x, numericStrings) => {
      const r = outcome(() => scoreOf(x, { source: 'fuzz', index: 0, numericStrings }));
      if (r instanceof TqError) return assert.equal(r.kind, 'reward');
      assert.ok(Number.isFinite(r));
      if (typeof x === 'string') {
        assert.ok(numericStrings, 'a string only when allowed');
        assert.match(x, /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/);
      } else assert.equal(r, x);
    }),
    RUNS,
  );
});

test('fuzz: one score per input: any permutation of indices is placed exactly; anything else is refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constant(undefined), fc.constant('1')), { maxLength: 10 }), (n, indices) => {
      const data = indices.map((index, i) => ({ index, tag: i }));
      const r = outcome(() => oneScorePerInput<{ index?: unknown; tag: number }>(data, n, { source: 'fuzz' }));
      const placed = indices.map((x, i) => (x === undefined ? i : x));
      const isPermutation = indices.length === n && placed.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < n) && new Set(placed).size === n;
      if (r instanceof TqError) return assert.ok(!isPermutation, r.message);
      assert.ok(isPermutation);
      r.forEach((d, i) => assert.equal(placed[d.tag], i));
    }),
    RUNS,
  );
});

test('fuzz: text printed to a terminal keeps no control or bidi character (newlines only where our layout has them)', () => {
  const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      assert.ok(!unsafe.test(terminalLine(s)));
      assert.ok(!unsafe.test(terminalText(s).replace(/\n/g, '')));
      assert.equal(terminalText(s).split('\n').length, s.split('\n').length);
    }),
    RUNS,
  );
});

test('fuzz: Retry-After of any text is a wait ≥ 0 or none; templates and dot paths over any JSON never throw', () => {
  fc.assert(
    fc.property(fc.string(), fc.jsonValue(), fc.string(), (ra, json, path) => {
      const d = parseRetryAfter(ra);
      assert.ok(d === undefined || (Number.isFinite(d) && d >= 0), String(d));
      fillTemplate(json, { prompt: 'p', response: 'r', text: 't', pairs: [], texts: [] });
      getPath(json, path);
    }),
    RUNS,
  );
});
