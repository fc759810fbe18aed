// Files the user did not write, read by `tqstar eval` (the CLI from source, real files in a temporary folder, the
// built-in worlds served over real HTTP by the reference server in the CLI's process): resume records and prompt sets.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AnswerRecord } from '../../src/eval/records';
import { htmlReport } from '../../src/eval/report';
import { summarise } from '../../src/eval/summary';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-hostile-files-'));

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI from source, killed after `timeoutMs` so that a hang fails the test instead of stalling it. */
function run(args: string[], timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, env: { ...process.env, TQSTAR_CLI_MAIN: '1', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const tabular = (out: string, more: string[] = []) => ['eval', '--world', 'tabular', '--limit', '1', '--strategy', 'greedy', '--out', out, ...more];

test('resume records: a string reward or held-out score, missing fields, an impossible steered count and markup in seed / kl.estimator are skipped with a warning naming each line; the report carries none of it', { timeout: 120_000 }, async () => {
  const out = join(dir, 'records');
  const first = await run(tabular(out));
  assert.equal(first.code, 0, first.stderr);
  const jsonl = join(out, 'answers.jsonl');
  const good = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnswerRecord);
  assert.ok(good.length >= 2, 'greedy and its reference');
  const [a] = good;
  // Same keys as real answers (so they would be taken as done), each wrong in another way.
  const bad = [
    { ...a, reward: 'high' },
    { kind: 'answer', key: a!.key },
    { ...a, seed: '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/x">' },
    { ...a, kl: { value: 1, estimator: '<img src=x onerror=alert(1)><form action=http://127.0.0.1:9/>' } },
    { ...a, heldOut: { name: 'fluency', value: 'fine' } },
    { ...a, steered: { gated: 2, steered: 5 } },
  ];
  writeFileSync(jsonl, [...bad.map((b) => JSON.stringify(b)), '{"kind": "answer", torn'].join('\n') + '\n');
  const r = await run(tabular(out));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /TypeError|internal error/);
  // The first five are named (the CLI names at most five), the count covers all seven.
  for (const line of [1, 2, 3, 4, 5]) assert.match(r.stderr, new RegExp(`answers\\.jsonl:${line}: not a valid record, skipped`), `line ${line}`);
  assert.match(r.stderr, /7 line\(s\) skipped/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const tag of ['<meta http-equiv="refresh"', '<img', '<form', 'onerror']) assert.ok(!html.includes(tag), `report contains ${tag}`);
});

test('the report escapes every field of an answer record, whatever reaches it (seed, KL estimator, ids, texts)', () => {
  const rec = {
    kind: 'answer', key: 'k', point: 'p"><script>', label: 'l<b>', strategy: 'greedy', swept: {}, promptId: '<i>id</i>', prompt: 'safe \u202Egnp.exe\u202C and \u001b[31mred',
    seed: '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/">', decodeSeed: 1, text: '<img src=x>', finish: 'eos', reward: 'NaN<svg onload=alert(1)>',
    baselineReward: null, outputTokens: 1, modelTokens: 1, requests: 1, rewardCalls: 1, rewardInputs: 1, wallMs: 1, logBase: -1,
    kl: { value: 1, estimator: '<img src=y onerror=alert(2)>' }, diversity: 0, coherence: null, exact: null,
  } as unknown as AnswerRecord;
  const html = htmlReport(summarise([{ ...rec, reward: 1 } as AnswerRecord], [], null), [rec], { title: 't', notes: [], generated: 'now' });
  for (const tag of ['<meta http-equiv="refresh"', '<img', '<svg onload', '<script>', '<i>id']) assert.ok(!html.includes(tag), `report contains ${tag}`);
  // Bidi overrides and terminal escapes in prompt text are shown, not obeyed.
  assert.ok(!/[\u202a-\u202e\u2066-\u2069\u001b]/.test(html), 'raw bidi or escape characters in the report');
  assert.ok(html.includes('\\u202e') && html.includes('\\u001b'), 'the characters are shown as escapes');
});

test('resume records: answers.jsonl as a directory, a FIFO or a link to /dev/zero is refused at once (exit 2), not read', { timeout: 120_000 }, async () => {
  const asDir = join(dir, 'as-dir');
  mkdirSync(join(asDir, 'answers.jsonl'), { recursive: true });
  const fifoOut = join(dir, 'as-fifo');
  mkdirSync(fifoOut);
  assert.equal(spawnSync('mkfifo', [join(fifoOut, 'answers.jsonl')]).status, 0, 'mkfifo');
  const zeroOut = join(dir, 'as-zero');
  mkdirSync(zeroOut);
  symlinkSync('/dev/zero', join(zeroOut, 'answers.jsonl'));
  for (const out of [asDir, fifoOut, zeroOut]) {
    const r = await run(tabular(out), 30_000);
    assert.equal(r.signal, null, `${out}: killed (it hung)`);
    assert.equal(r.code, 2, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /answers\.jsonl is not a regular file/);
  }
});

test('prompt files: a JSONL with one non-JSON line is an error naming the line, not a switch to plain text', { timeout: 60_000 }, async () => {
  const f = join(dir, 'mixed.jsonl');
  writeFileSync(f, '{"prompt": "The food was", "id": "a"}\nThe room was\n{"prompt": "The staff", "id": "c"}\n');
  const r = await run(['eval', '--world', 'demo', '--prompts', f, '--strategy', 'greedy', '--out', join(dir, 'mixed-out')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /mixed\.jsonl:2: not valid JSON/);
  // Even without the .jsonl name: the first line decides, and the bad line is named.
  const g = join(dir, 'mixed.txt');
  writeFileSync(g, '{"prompt": "The food was"}\n{"prompt": "The room was"\n');
  const s = await run(['eval', '--world', 'demo', '--prompts', g, '--strategy', 'greedy', '--out', join(dir, 'mixed-out2')]);
  assert.equal(s.code, 2, s.stderr);
  assert.match(s.stderr, /mixed\.txt:2: not valid JSON/);
});

test('prompt files: a JSONL that starts with a byte-order mark is read', { timeout: 60_000 }, async () => {
  const f = join(dir, 'bom.jsonl');
  writeFileSync(f, '\uFEFF{"prompt": "The food was", "id": "a"}\n');
  const out = join(dir, 'bom-out');
  const r = await run(['eval', '--world', 'demo', '--prompts', f, '--strategy', 'greedy', '--seeds', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const recs = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnswerRecord);
  assert.deepEqual([...new Set(recs.map((x) => x.prompt))], ['The food was']);
});

test('prompt files: /dev/zero, a FIFO and a directory are refused at once (exit 2), as --prompt-file is bounded', { timeout: 90_000 }, async () => {
  const fifo = join(dir, 'prompts.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  for (const p of ['/dev/zero', fifo, dir]) {
    const r = await run(['eval', '--world', 'demo', '--prompts', p, '--strategy', 'greedy', '--out', join(dir, 'never')], 30_000);
    assert.equal(r.signal, null, `${p}: killed (it hung or ran out of memory)`);
    assert.equal(r.code, 2, `${p}: ${r.stderr}`);
    assert.match(r.stderr, /is not a regular file/);
  }
  const big = join(dir, 'big.txt');
  writeFileSync(big, Buffer.alloc(4 * 2 ** 20 + 1, 'a'));
  const b = await run(['eval', '--world', 'demo', '--prompts', big, '--strategy', 'greedy', '--out', join(dir, 'never')]);
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /larger than 4194304 bytes/);
});
