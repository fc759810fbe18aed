// `npm run demo`'s mean-reward table: each prompt × seed decodes with its own seed, reproducibly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_PROMPTS, meanRuns } from '../../src/cli/demo';
import { deriveSeed } from '../../src/core/rng';

test('meanRuns: every prompt × seed once, the decoder seed mixes in the prompt', () => {
  const runs = meanRuns(DEMO_PROMPTS.slice(0, 3), [0, 1]);
  assert.deepEqual(
    runs.map((r) => r.text),
    [DEMO_PROMPTS[0], DEMO_PROMPTS[0], DEMO_PROMPTS[1], DEMO_PROMPTS[1], DEMO_PROMPTS[2], DEMO_PROMPTS[2]],
  );
  // Same seed, different prompts: different draws (the core alone would reuse seed 0's draws on every prompt).
  assert.equal(new Set(runs.map((r) => r.seed)).size, runs.length);
  assert.equal(runs[0]!.seed, deriveSeed(0, 'demo-prompt', DEMO_PROMPTS[0]!));
  assert.equal(runs[3]!.seed, deriveSeed(1, 'demo-prompt', DEMO_PROMPTS[1]!));
  for (const r of runs) assert.ok(Number.isInteger(r.seed), 'a valid decoding.seed');
  // Reproducible: the same table on every run.
  assert.deepEqual(meanRuns(DEMO_PROMPTS.slice(0, 3), [0, 1]), runs);
});
