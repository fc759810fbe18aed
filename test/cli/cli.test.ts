// The `tqstar` command line as a subprocess (node dist/cli.js): help, probe, decode (table and --json), errors, Ctrl-C, demo.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-cli-'));
let server: Awaited<ReturnType<typeof startServer>>;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` may act on progress (e.g. send SIGINT). Killed after `timeoutMs` so nothing hangs. */
function run(args: string[], opts: { timeoutMs?: number; onStderr?: (all: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function configFile(name: string, json: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(json, null, 2));
  return p;
}

before(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

const small = () => ({ ...demoRunConfig(server.url), decoding: { topK: 4, rollouts: 2, horizon: 6, maxTokens: 8, seed: 1 } });

test('--help for the tool and each command; unknown command exits 2', { timeout: 30_000 }, async () => {
  const main = await run(['--help']);
  assert.equal(main.code, 0);
  for (const c of ['serve', 'probe', 'decode', 'demo']) assert.ok(main.stdout.includes(`tqstar ${c}`), c);
  const d = await run(['decode', '--help']);
  assert.equal(d.code, 0);
  assert.match(d.stdout, /--prompt-file FILE/);
  const bad = await run(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
});

test('probe prints each endpoint\'s capability report (exit 0)', { timeout: 30_000 }, async () => {
  const r = await run(['probe', '--config', configFile('probe.json', small())]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`OK   base: ${server.url}/v1 \\(demo-base\\)`));
  assert.match(r.stdout, /largest top-k\s+\d+/);
  assert.match(r.stdout, /scoring\s+echo/);
  assert.match(r.stdout, /OK   reward: /);
});

test('decode --json prints exactly one object in the documented schema', { timeout: 60_000 }, async () => {
  const r = await run(['decode', '--config', configFile('json.json', small()), '--prompt', 'The food was', '--strategy', 'tqstar', '--strategy', 'greedy', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out).sort(), ['results', 'stats', 'warnings']);
  assert.deepEqual(out.results.map((x: { strategy: string }) => x.strategy).sort(), ['greedy', 'tqstar']);
  for (const res of out.results) {
    assert.equal(typeof res.text, 'string');
    assert.ok(res.reward === null || Number.isFinite(res.reward));
    assert.ok(['eos', 'stop', 'maxTokens', 'aborted', 'error'].includes(res.finish));
    assert.ok(Array.isArray(res.steps) && res.steps.length > 0);
  }
  const tq = out.results.find((x: { strategy: string }) => x.strategy === 'tqstar');
  const step = tq.steps[0];
  assert.ok(Number.isInteger(step.chosen.id) && typeof step.chosen.text === 'string');
  assert.ok(Array.isArray(step.accepted));
  assert.equal(step.candidates.length, 4);
  for (const c of step.candidates)
    for (const k of ['id', 'text', 'logprobBase', 'logprobBaseline', 'q', 'qStderr', 'ess', 'score', 'selectProb', 'chosen', 'rollouts']) assert.ok(k in c, `candidate field ${k}`);
  assert.equal(step.candidates.filter((c: { chosen: boolean }) => c.chosen).length, 1);
  assert.ok(out.stats.requests > 0 && out.stats.modelTokens > 0 && out.stats.wallMs >= 0);
  // The text is the chosen tokens, in order.
  assert.equal(tq.steps.map((s: { chosen: { text: string }; accepted: Array<{ text: string }> }) => s.chosen.text + s.accepted.map((a) => a.text).join('')).join(''), tq.text);
});

test('decode prints a reward-ranked table', { timeout: 60_000 }, async () => {
  const prompt = join(dir, 'prompt.txt');
  writeFileSync(prompt, 'The customer service was');
  const r = await run(['decode', '--config', configFile('table.json', small()), '--prompt-file', prompt, '--strategy', 'baseline', '--strategy', 'greedy', '--strategy', 'tqstar']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\s*\d+\s{2}/.test(l));
  assert.equal(rows.length, 3);
  const rewards = rows.map((l) => Number(l.trim().split(/\s+/)[2]));
  for (let i = 1; i < rewards.length; i++) assert.ok(rewards[i - 1]! >= rewards[i]!, `ranked: ${rewards}`);
});

test('config errors name the exact key and exit 2', { timeout: 30_000 }, async () => {
  const r = await run(['decode', '--config', configFile('bad.json', { ...small(), decoding: { topK: 500 } }), '--prompt', 'x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /decoding\.topK: must be ≤ 100/);
  const notJson = join(dir, 'broken.json');
  writeFileSync(notJson, '{ "base": ');
  const r2 = await run(['probe', '--config', notJson]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /not valid JSON/);
  const r3 = await run(['decode', '--config', configFile('ok.json', small())]);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /--prompt TEXT or --prompt-file FILE/);
  const r4 = await run(['decode', '--config', configFile('lm.json', { ...small(), reward: { kind: 'vscode-lm' } }), '--prompt', 'x']);
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /only available inside VS Code/);
});

test('an unreachable server exits 3 with the exact URL in the message', { timeout: 30_000 }, async () => {
  const gone = await startServer({ port: 0, quiet: true });
  await gone.close();
  const r = await run(['decode', '--config', configFile('gone.json', { ...demoRunConfig(gone.url), decoding: { topK: 4 } }), '--prompt', 'x']);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.stderr.includes(`${gone.url}/`), r.stderr);
  assert.match(r.stderr, /cannot reach/);
  const p = await run(['probe', '--config', configFile('gone2.json', demoRunConfig(gone.url))]);
  assert.equal(p.code, 1);
  assert.match(p.stdout, /FAIL base/);
});

test('Ctrl-C cancels the run and prints the partial result (exit 130)', { timeout: 60_000 }, async () => {
  // A slow server (400 ms per request on top of simulated 8B-model latency): once the first step's
  // rewards are in, finishing the run needs more steps, each several requests long, so SIGINT lands mid-run.
  const slow = await startServer({ port: 0, quiet: true, latency: 'vllm-8b,request=400' });
  try {
    let sent = false;
    const cfg = { ...demoRunConfig(slow.url), decoding: { topK: 4, rollouts: 4, horizon: 12, maxTokens: 24, seed: 1 } };
    const r = await run(['decode', '--config', configFile('slow.json', cfg), '--prompt', 'The food was', '--strategy', 'tqstar', '--json', '--verbose'], {
      timeoutMs: 50_000,
      onStderr: (all, child) => {
        if (!sent && /\/pooling 200/.test(all)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, 'the run got far enough to be interrupted');
    assert.equal(r.code, 130, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.results[0].finish, 'aborted');
    assert.equal(out.results[0].error.kind, 'aborted');
  } finally {
    await slow.close();
  }
});

test('demo: tiny transformers on the local engine, labelled, direct and indirect reward-ranked tables, the exact objective column', { timeout: 120_000 }, async () => {
  const r = await run(['demo'], { timeoutMs: 110_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /TINY DEMO MODELS TRAINED BY THIS PROJECT|RANDOM-WEIGHT TEST FIXTURES/);
  assert.match(r.stdout, /local llama\.cpp engine/);
  assert.match(r.stdout, /DIRECT transfer[\s\S]*INDIRECT transfer/);
  for (const s of ['tqstar', 'args', 'cd', 'bon', 'blockwise', 'baseline', 'greedy', 'sample']) assert.ok((r.stdout.match(new RegExp(`\\b${s}\\b`, 'g')) ?? []).length >= 2, s);
  assert.match(r.stdout, /exact obj\./);
  assert.match(r.stdout, /optimum \(ρ\*_r\): -?\d/);
});

test('serve --port 0 prints the URL it listens on; the server answers; SIGINT stops it (exit 0)', { timeout: 30_000 }, async () => {
  let url: string | undefined;
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--dialect', 'vllm'], { cwd: root });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', async (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m && !url) {
        url = m[1]!;
        const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string; owned_by: string }> };
        assert.ok(models.data.some((x) => x.id === 'demo-base'));
        assert.ok(models.data.every((x) => /demo\/test backend/.test(x.owned_by)));
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
  const r = await done;
  assert.ok(url, r.stdout);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /demo\/test backend/);
});
