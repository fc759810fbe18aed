// Issue 11 at the command line (node dist/cli.js): file limits, early Ctrl-C, complete output through a pipe, escaped server text, local refusals.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoRunConfig } from '../../src/server/demoConfig';
import { startServer } from '../../src/server/index';
import { hostileServer } from './hostileServer';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-hostile-cli-'));
let server: Awaited<ReturnType<typeof startServer>>;

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI, killed after `timeoutMs` so nothing hangs; `hold` keeps stdout unread until it resolves (a slow reader). */
function run(args: string[], opts: { timeoutMs?: number; hold?: (child: ReturnType<typeof spawn>) => Promise<void>; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const read = () => child.stdout.on('data', (d) => (stdout += d)).resume();
    if (opts.hold) {
      child.stdout.pause();
      void opts.hold(child).then(read);
    } else read();
    child.stderr.on('data', (d) => (stderr += d));
    opts.onSpawn?.(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const configFile = (name: string, json: unknown) => file(name, JSON.stringify(json, null, 2));
const small = () => ({ ...demoRunConfig(server.url), decoding: { topK: 4, rollouts: 2, horizon: 6, maxTokens: 8, seed: 1 } });

/** Newest modification time under `dir`. */
const newest = (d: string): number =>
  readdirSync(d, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs), 0);

before(async () => {
  // test/cli builds the same bundle: rebuilding one that is up to date could rewrite it under a
  // CLI that test is running, so build only when a source is newer.
  if (!existsSync(cli) || statSync(cli).mtimeMs < newest(join(root, 'src'))) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { cwd: root, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
  server = await startServer({ port: 0, quiet: true });
});
after(() => server.close());

test('defect 6: a config file over 1 MiB, or an endless one (/dev/zero), is refused with a clear error (exit 2)', { timeout: 30_000 }, async () => {
  const big = file('big.json', `{"pad": "${'x'.repeat(2 ** 20)}"}`);
  const r = await run(['probe', '--config', big]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /config file .*big\.json is larger than 1048576 bytes/);
  const z = await run(['probe', '--config', '/dev/zero']);
  assert.equal(z.code, 2, z.stderr);
  assert.match(z.stderr, /larger than 1048576 bytes/);
});

test('defect 6: a prompt file over 4 MiB is refused (exit 2)', { timeout: 30_000 }, async () => {
  const r = await run(['decode', '--config', configFile('ok6.json', small()), '--prompt-file', file('big.txt', Buffer.alloc(4 * 2 ** 20 + 1, 'a'))]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /prompt file .* is larger than 4194304 bytes/);
});

test('defect 16: a config file that starts with a UTF-8 BOM is read (editors on Windows write one)', { timeout: 30_000 }, async () => {
  const r = await run(['probe', '--config', file('bom.json', `\uFEFF${JSON.stringify(small())}`)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK {3}base:/);
});

test('defect 16: an empty prompt is refused locally (exit 2), never sent', { timeout: 30_000 }, async () => {
  const before = server.stats().requests;
  const r = await run(['decode', '--config', configFile('ok16.json', small()), '--prompt', '']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /the prompt is empty/);
  const f = await run(['decode', '--config', configFile('ok16b.json', small()), '--prompt-file', file('empty.txt', '\uFEFF')]);
  assert.equal(f.code, 2, f.stderr);
  assert.equal(server.stats().requests, before, 'no request reached the server');
});

test('defect 8: Ctrl-C while the CLI is still starting (here: reading its config) exits 130 with a message, not killed by the signal', { timeout: 30_000 }, async () => {
  const fifo = join(dir, 'config.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  let writer: Awaited<ReturnType<typeof open>> | undefined;
  const r = await run(['decode', '--config', fifo, '--prompt', 'x'], {
    onSpawn: (child) => {
      // Opening a FIFO for writing completes once the CLI opened it for reading: it is then past
      // loading its code and blocked in reading the config, the start-up work Ctrl-C must cover.
      void (async () => {
        writer = await open(fifo, 'w');
        child.kill('SIGINT');
        await new Promise((ok) => setTimeout(ok, 200));
        await writer.write(JSON.stringify(small()));
        await writer.close();
      })();
    },
  });
  assert.equal(r.signal, null, 'not killed by the signal');
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /cancel/);
});

test('defect 9: decode --json | a slow reader gets the whole document (well over the 64 KiB a pipe holds)', { timeout: 90_000 }, async () => {
  const cfg = configFile('big-out.json', { ...demoRunConfig(server.url), decoding: { topK: 16, rollouts: 8, horizon: 12, maxTokens: 24, seed: 3 } });
  const codeFile = join(dir, 'exit-code');
  // A real pipe, as in `tqstar decode --json | cat`: the reader starts only once the CLI has exited,
  // or after 5 s if the CLI is (rightly) waiting for it to read. A bounded wait, not a timing assertion.
  const script = `(node "$0" "$@"; echo $? > '${codeFile}') | (i=0; while [ ! -s '${codeFile}' ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; cat)`;
  const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script, cli, 'decode', '--config', cfg, '--prompt', 'The food was', '--strategy', 'tqstar', '--strategy', 'cd', '--json'], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
  assert.equal(readFileSync(codeFile, 'utf8').trim(), '0', r.stderr);
  assert.ok(r.stdout.length > 65_536, `output is ${r.stdout.length} characters: larger than a pipe holds`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.results.length, 2);
});

const HOSTILE_TEXT = 'bad\u001b[2J\u001b]0;owned\u0007\u009b31m\u202egnp.exe\r\nOK fake line';
const noRawControls = (s: string, where: string) => {
  for (const ch of ['\u001b', '\u0007', '\u009b', '\u202e', '\r']) assert.ok(!s.includes(ch), `${where} contains raw U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`);
};

test('defect 10: a server\'s ESC/BEL/C1/bidi characters in error footnotes and stderr are printed escaped', { timeout: 60_000 }, async () => {
  const evil = await hostileServer(() => ({ status: 400, json: { error: { message: HOSTILE_TEXT } } }));
  try {
    const cfg = { ...small(), reward: { kind: 'vllm-pooling', baseUrl: evil.url } };
    const r = await run(['decode', '--config', configFile('evil-reward.json', cfg), '--prompt', 'The food was', '--strategy', 'greedy']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /greedy: http error: .*answered HTTP 400/);
    assert.match(r.stdout, /\\u202e/);
    noRawControls(r.stdout, 'stdout');
    noRawControls(r.stderr, 'stderr');
    // The same text when it stops the run before decoding (stderr), and in the probe report.
    const cfg2 = { ...small(), base: { ...small().base, baseUrl: `${evil.url}/v1`, dialect: 'auto' } };
    const e = await run(['decode', '--config', configFile('evil-base.json', cfg2), '--prompt', 'x']);
    assert.equal(e.code, 3, e.stderr);
    assert.match(e.stderr, /HTTP 400/);
    noRawControls(e.stderr, 'stderr (decode)');
    const p = await run(['probe', '--config', configFile('evil-probe.json', cfg2)]);
    assert.equal(p.code, 1);
    assert.match(p.stdout, /FAIL base/);
    noRawControls(p.stdout, 'probe stdout');
  } finally {
    await evil.close();
  }
});
