// `tqstar eval` as a subprocess: files written, resume from the JSONL, Ctrl-C keeps what is done, usage errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stubServer } from '../backends/stubServer';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from source (tsx), killed after `timeoutMs` so that nothing hangs. */
function run(args: string[], onStderr?: (all: string, child: ReturnType<typeof spawn>) => void, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, env: { ...process.env, TQSTAR_CLI_MAIN: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).length;

test('tqstar eval --world tabular: table, JSONL, report; the same command again resumes and decodes nothing', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tqstar-eval-cli-'));
  const args = ['eval', '--world', 'tabular', '--limit', '2', '--seeds', '2', '--strategy', 'greedy', '--strategy', 'bon', '--sweep', 'bon=2,4', '--reference', 'greedy', '--out', out];
  const a = await run(args);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /TABULAR TEST MODELS/);
  assert.match(a.stderr, /3 points × 2 prompts × 2 seeds = 12 answers/);
  assert.match(a.stdout, /bon bestOfN=4/);
  assert.match(a.stdout, /exact obj\./);
  for (const f of ['answers.jsonl', 'report.html', 'summary.json', 'summary.txt']) assert.ok(existsSync(join(out, f)), f);
  assert.equal(lines(join(out, 'answers.jsonl')), 12);
  const b = await run(args);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /12\/12 answers \(12 from the JSONL\)/);
  assert.equal(lines(join(out, 'answers.jsonl')), 12, 'nothing redone');
  assert.equal(b.stdout.split('\n').slice(0, 6).join('\n'), a.stdout.split('\n').slice(0, 6).join('\n'), 'the same table');
});

test('tqstar eval --world demo: Ctrl-C keeps the finished answers (exit 130); the rerun finishes the rest', { timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tqstar-eval-cli-'));
  const jsonl = join(out, 'answers.jsonl');
  const args = ['eval', '--world', 'demo', '--limit', '12', '--strategy', 'tqstar', '--strategy', 'bon', '--concurrency', '2', '--out', out];
  let sent = false;
  const a = await run(args, (_all, child) => {
    if (sent) return;
    // Interrupt once some answers are on disk.
    const poll = setInterval(() => {
      if (existsSync(jsonl) && lines(jsonl) >= 3 && !sent) {
        sent = true;
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 50);
    child.once('close', () => clearInterval(poll));
  });
  assert.equal(a.code, 130, a.stderr);
  assert.match(a.stderr, /cancelling/);
  const kept = lines(jsonl);
  assert.ok(kept >= 3 && kept < 36, `kept ${kept}`);
  assert.match(a.stdout, /point/, 'the table of what finished is printed');
  const b = await run(args);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, new RegExp(`\\(${kept} from the JSONL\\)`));
  assert.equal(lines(jsonl), 36);
});

test('tqstar eval with no world runs the tiny transformers on the local engine, labelled, and writes the answers', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tqstar-eval-cli-'));
  const a = await run(['eval', '--limit', '1', '--strategy', 'greedy', '--reference', 'greedy', '--no-embeddings', '--out', out], undefined, 170_000);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /TINY DEMO MODELS TRAINED BY THIS PROJECT/);
  assert.match(a.stderr, /1 points × 1 prompts × 1 seeds = 1 answers/);
  const [rec] = readFileSync(join(out, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(rec.error, undefined);
  assert.equal(rec.prompt, 'The food was');
  assert.ok(rec.text.trim().length > 0 && rec.outputTokens > 0, 'the engine answered');
  assert.equal(typeof rec.reward, 'number');
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /tqstar eval — tiny/);
});

test('tqstar eval: usage errors exit 2 and name the flag', async () => {
  const a = await run(['eval', '--sweep', 'topK=0']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--sweep topK=0/);
  const b = await run(['eval', '--world', 'moon']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--world/);
  // The critical path is the reference server's latency model: not for the tiny models on the local engine, nor a bad spec.
  const c = await run(['eval', '--latency', 'vllm-8b']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /--latency applies only to .*--world demo or --world tabular/);
  const d = await run(['eval', '--world', 'tabular', '--latency', 'warp=9']);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /--latency: unknown part "warp=9"/);
  // --held-out FILE is read as the config file is (bounded: /dev/zero is an error, not an endless read), and a bad
  // reward configuration names the key as config errors do.
  if (existsSync('/dev/zero')) {
    const e = await run(['eval', '--world', 'tabular', '--held-out', '/dev/zero'], undefined, 30_000);
    assert.equal(e.code, 2, e.stderr);
    assert.match(e.stderr, /--held-out: .*config file \/dev\/zero is larger than 1048576 bytes/);
  }
  const g = await run(['eval', '--world', 'tabular', '--held-out', '{"kind":"builtin","name":"length","target":"far"}']);
  assert.equal(g.code, 2, g.stderr);
  assert.match(g.stderr, /--held-out: not a reward configuration: target: must be a number/);
});

test('tqstar eval --world tabular --latency vllm-8b: the critical path per answer and per output token in the table, the JSON and the JSONL', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tqstar-eval-cli-'));
  const a = await run(['eval', '--world', 'tabular', '--latency', 'vllm-8b', '--limit', '2', '--strategy', 'greedy', '--strategy', 'bon', '--reference', 'greedy', '--out', out]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /CP ms\/ans +CP ms\/tok/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { notes: string[]; points: { strategy: string; cost: { criticalPathMsPerAnswer: number; criticalPathMsPerOutputToken: number; outputTokensPerAnswer: number } }[] };
  assert.ok(summary.notes.some((n) => /latency model vllm-8b/.test(n)));
  for (const p of summary.points) {
    // At least encode + sample + reward, each with vllm-8b's 5 ms overhead, and one 19 ms pass for the sample and one for the reward.
    assert.ok(p.cost.criticalPathMsPerAnswer >= 3 * 5 + 2 * 19, `${p.strategy}: ${p.cost.criticalPathMsPerAnswer}`);
    assert.ok(Math.abs(p.cost.criticalPathMsPerOutputToken * p.cost.outputTokensPerAnswer - p.cost.criticalPathMsPerAnswer) < 1e-6);
  }
  const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { criticalPathMs?: number });
  assert.ok(answers.length === 4 && answers.every((x) => typeof x.criticalPathMs === 'number' && x.criticalPathMs > 0));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /critical path ms\/ans/);
});

test('tqstar eval --judge-url: a judge that always prefers the answer shown first gives wins exactly where the candidate was shown first', { timeout: 120_000 }, async () => {
  const judge = await stubServer(() => ({ body: { id: 'j', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop' }] } }));
  try {
    const out = mkdtempSync(join(tmpdir(), 'tqstar-eval-cli-'));
    const a = await run(['eval', '--world', 'tabular', '--limit', '2', '--seeds', '6', '--strategy', 'sample', '--reference', 'greedy', '--judge-url', `${judge.url}/v1`, '--judge-model', 'stub', '--out', out]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /judge .*stub.*seeded random order/);
    const records = readFileSync(join(out, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; candidateFirst: boolean; outcome: string });
    const judged = records.filter((r) => r.kind === 'judge');
    assert.equal(judged.length, 12, 'one verdict per sample answer (2 prompts × 6 seeds)');
    assert.equal(judge.requests.length, 12);
    for (const j of judged) assert.equal(j.outcome, j.candidateFirst ? 'win' : 'loss');
    const wins = judged.filter((j) => j.outcome === 'win').length;
    assert.ok(wins > 0 && wins < 12, 'the order varied, so a first-position bias does not decide the result alone');
    assert.match(a.stdout, new RegExp(`judge W/T/L[\\s\\S]*sample[^\\n]*${wins}/0/${12 - wins}`));
  } finally {
    await judge.close();
  }
});
