// A run exported for sharing names an environment variable as its API key and its own server: re-running it must
// not send that variable anywhere unless the user allows it (the CLI from source, real HTTP to a recording server).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostileServer, type Hostile } from './hostileServer';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tqstar-key-env-'));
const SECRET = 'not-for-that-server-7f3a';
let server: Hostile;
before(async () => {
  // Answers nothing useful: only the headers of what arrives matter here.
  server = await hostileServer(() => ({ status: 404, json: { error: 'no' } }));
});
after(() => server.close());

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, env: { ...process.env, TQSTAR_CLI_MAIN: '1', TQSTAR_TEST_SECRET: SECRET } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const exported = () => {
  const f = join(dir, 'exported.json');
  writeFileSync(f, JSON.stringify({
    format: 'tqstar-run', prompt: 'The food was',
    base: { baseUrl: `${server.url}/v1`, model: 'm', apiKeyEnv: 'TQSTAR_TEST_SECRET' },
    baseline: { baseUrl: `${server.url}/v1`, model: 'm' },
    reward: { kind: 'builtin', name: 'length', target: 5 },
    results: [],
  }));
  return f;
};
const sentSecret = () => server.requests.filter((r) => String(r.headers.authorization ?? '').includes(SECRET)).length;

for (const cmd of ['decode', 'probe'] as const) {
  test(`${cmd} --config exported.json does not send the variable its apiKeyEnv names, and says which would go where`, { timeout: 90_000 }, async () => {
    server.requests.length = 0;
    const r = await run([cmd, '--config', exported()]);
    assert.ok(server.requests.length > 0, `no request reached the server: ${r.stderr}`);
    assert.equal(sentSecret(), 0, 'the secret reached the server');
    assert.match(r.stderr, new RegExp(`base\\.apiKeyEnv names the environment variable TQSTAR_TEST_SECRET, whose value would be sent as the API key to 127\\.0\\.0\\.1:${new URL(server.url).port}; not sent \\(pass --allow-key-env`));
  });
}

test('--allow-key-env sends it (the user chose to)', { timeout: 90_000 }, async () => {
  server.requests.length = 0;
  const r = await run(['probe', '--config', exported(), '--allow-key-env']);
  assert.ok(sentSecret() > 0, `the key was not sent with --allow-key-env: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /not sent/);
});

test('a config the user wrote (no "prompt": not an exported run) uses its apiKeyEnv as before', { timeout: 90_000 }, async () => {
  server.requests.length = 0;
  const f = join(dir, 'own.json');
  writeFileSync(f, JSON.stringify({ base: { baseUrl: `${server.url}/v1`, model: 'm', apiKeyEnv: 'TQSTAR_TEST_SECRET' }, baseline: { baseUrl: `${server.url}/v1`, model: 'm' }, reward: { kind: 'builtin', name: 'length', target: 5 } }));
  await run(['probe', '--config', f]);
  assert.ok(sentSecret() > 0);
});
