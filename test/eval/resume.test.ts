// An interrupted eval keeps what finished (JSONL), and resuming redoes nothing finished — over real HTTP on the reference server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { appendRecord, readRecords, repairTail } from '../../src/eval/records';
import { planEval, runEval } from '../../src/eval/runner';
import { parseSweep } from '../../src/eval/sweep';
import { TABULAR_EVAL_PROMPTS, tabularEvalWorld } from '../../src/eval/worlds';
import { startServer, type RunningServer } from '../../src/server/index';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

test('Ctrl-C keeps the finished answers; the resumed run decodes only the rest and sends no request for the finished ones', { timeout: 120_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const config = loadRunConfig(w.config);
  const plan = planEval({ config, strategies: ['tqstar', 'bon', 'greedy'], sweeps: [parseSweep('bon=2,4', config.decoding)], prompts: TABULAR_EVAL_PROMPTS.slice(0, 3), seeds: [0, 1], reference: 'greedy' });
  // bon=2,4 makes two Best-of-N points and leaves TQ* and greedy at one each.
  assert.deepEqual(plan.points.map((p) => p.label), ['tqstar', 'bon bestOfN=2', 'bon bestOfN=4', 'greedy']);
  assert.equal(plan.items.length, 4 * 3 * 2);
  const file = join(mkdtempSync(join(tmpdir(), 'tqstar-eval-')), 'answers.jsonl');
  const { env } = await buildEnv(config);

  const abort = new AbortController();
  let writes = 0;
  const first = await runEval(plan, {
    env,
    done: new Map(),
    concurrency: 3,
    signal: abort.signal,
    write: (r) => {
      appendRecord(file, r);
      if (++writes === 7) abort.abort();
    },
  });
  assert.equal(first.complete, false);
  const kept = readRecords(file);
  assert.ok(kept.length >= 7 && kept.length < plan.items.length, `kept ${kept.length}`);
  assert.equal(new Set(kept.map((r) => r.key)).size, kept.length, 'no item written twice');
  const before = readFileSync(file, 'utf8');

  const completionsBefore = server.stats().byPath['/v1/completions'] ?? 0;
  const decodedAgain: string[] = [];
  const second = await runEval(plan, {
    env,
    done: new Map(kept.map((r) => [r.key, r])),
    concurrency: 3,
    write: (r) => {
      decodedAgain.push(r.key);
      appendRecord(file, r);
    },
  });
  assert.equal(second.complete, true);
  assert.equal(second.answers.length, plan.items.length);
  assert.equal(decodedAgain.length, plan.items.length - kept.length, 'only the unfinished items are decoded');
  for (const k of decodedAgain) assert.ok(!kept.some((r) => r.key === k), 'a finished item was redone');
  assert.ok(readFileSync(file, 'utf8').startsWith(before), 'the finished lines are left as they were');
  assert.ok((server.stats().byPath['/v1/completions'] ?? 0) > completionsBefore);

  // A third run with everything finished sends no model request at all.
  const c0 = server.stats().byPath['/v1/completions'] ?? 0;
  const third = await runEval(plan, { env, done: new Map(readRecords(file).map((r) => [r.key, r])), concurrency: 3, write: () => assert.fail('nothing to write') });
  assert.equal(third.complete, true);
  assert.equal(server.stats().byPath['/v1/completions'] ?? 0, c0);
});

test('a line cut short by an interrupted write is skipped, and the next record starts on its own line', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tqstar-eval-')), 'answers.jsonl');
  const judge = (key: string) => ({ kind: 'judge', key, point: 'p', reference: 'r', promptId: 'x', seed: 0, candidateFirst: true, verdict: 'tie', outcome: 'tie' });
  writeFileSync(file, JSON.stringify(judge('k1')) + '\n' + '{"kind":"answer","key":"k2","te');
  const skipped: number[] = [];
  assert.deepEqual(readRecords(file, (s) => skipped.push(s.line)).map((r) => r.key), ['k1']);
  assert.deepEqual(skipped, [2]);
  repairTail(file);
  appendFileSync(file, JSON.stringify(judge('k3')) + '\n');
  assert.deepEqual(readRecords(file).map((r) => r.key), ['k1', 'k3']);
});
