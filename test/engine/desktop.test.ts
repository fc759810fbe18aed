// The engine child as desktop VS Code starts it (through a stand-in for Electron's helper that runs as Node only with
// ELECTRON_RUN_AS_NODE=1), on a model path with spaces, quotes and non-ASCII letters; and its death mid-run (SIGSEGV, SIGKILL):
// the run ends with an error naming the model file and saying the engine crashed, and the next run starts a fresh engine.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunConfig } from '../../src/config/schema';
import { EngineLoadError } from '../../src/engine/loadFailure';
import { EnginePool, crashMessage } from '../../src/engine/pool';
import { startEngineProcess, type EngineProcess } from '../../src/engine/spawn';
import { newRun, runPipeline } from '../../src/extension/runPipeline';

const here = fileURLToPath(new URL('.', import.meta.url));
const FIXTURE = join(here, '..', 'fixtures', 'gguf', 'random-a.gguf');
const ELECTRON = join(here, 'standins', 'electron.sh');
const CRASHING = join(here, 'standins', 'crashingEngine.ts');
const windows = process.platform === 'win32' ? 'the stand-in executable is a shell script' : false;

// A model where desktop users keep them: a folder with a space, an apostrophe and non-ASCII letters.
const dir = mkdtempSync(join(tmpdir(), 'tqstar-desktop-'));
const modelDir = join(dir, "Modèles d'essai ü", 'größer ✓');
mkdirSync(modelDir, { recursive: true });
const MODEL = join(modelDir, 'random a "β".gguf');
copyFileSync(FIXTURE, MODEL);

const engines: EngineProcess[] = [];
after(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

async function complete(url: string, model: string): Promise<{ choices: Array<{ text: string }> }> {
  const r = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, prompt: 'The', max_tokens: 3, temperature: 0 }) });
  assert.equal(r.status, 200);
  return (await r.json()) as { choices: Array<{ text: string }> };
}

test('desktop VS Code: the engine starts through the host executable (Electron stand-in) with ELECTRON_RUN_AS_NODE=1, on a non-ASCII path with spaces', { skip: windows, timeout: 120_000 }, async () => {
  const log = join(dir, 'electron.log');
  process.env.STANDIN_NODE = process.execPath;
  process.env.STANDIN_LOG = log;
  const e = await startEngineProcess([{ name: 'a', file: MODEL }], { execPath: ELECTRON, electron: true });
  engines.push(e);
  // The stand-in ran (it wrote its log) and handed over to Node; the engine loaded the file under its exact name.
  assert.equal(readFileSync(log, 'utf8').trim(), ELECTRON);
  assert.equal(e.models[0]!.file, MODEL);
  const r = await complete(e.url, 'a');
  assert.equal(r.choices.length, 1);
});

test('the stand-in refuses to run as Node without ELECTRON_RUN_AS_NODE=1, and the failure says so (the check above can fail)', { skip: windows, timeout: 60_000 }, async () => {
  process.env.STANDIN_NODE = process.execPath;
  process.env.STANDIN_LOG = join(dir, 'electron-2.log');
  const saved = process.env.ELECTRON_RUN_AS_NODE;
  delete process.env.ELECTRON_RUN_AS_NODE;
  try {
    await assert.rejects(startEngineProcess([{ name: 'a', file: MODEL }], { execPath: ELECTRON, electron: false }), (e: unknown) => {
      assert.ok(e instanceof EngineLoadError);
      assert.match(e.message, /exited while loading \(code 3\)[\s\S]*without ELECTRON_RUN_AS_NODE=1/);
      assert.ok(e.message.includes(MODEL), e.message);
      return true;
    });
  } finally {
    if (saved !== undefined) process.env.ELECTRON_RUN_AS_NODE = saved;
  }
});

/** A pool whose engines are the real engine behind the crashing stand-in; `marker`: create it to make the next completion crash. */
function crashingPool(signal: NodeJS.Signals): { pool: EnginePool; marker: string } {
  const marker = join(dir, `crash-${signal}-${Math.random().toString(36).slice(2)}`);
  const pool = new EnginePool([], (models) => {
    process.env.TQSTAR_CRASH_MARKER = marker;
    process.env.TQSTAR_CRASH_SIGNAL = signal;
    return startEngineProcess(models, { entry: CRASHING });
  });
  return { pool, marker };
}

for (const signal of ['SIGSEGV', 'SIGKILL'] as const) {
  test(`an engine that dies by ${signal} mid-request: the pool reports the crash naming the file, and serves the next request from a fresh engine`, { skip: windows, timeout: 120_000 }, async () => {
    const { pool, marker } = crashingPool(signal);
    try {
      const first = await pool.serve([MODEL]);
      const name = first.served.get(MODEL)!.name;
      await complete(first.url, name);
      // Nothing crashed yet: a failure of another kind is not blamed on the engine.
      assert.equal(await pool.crashBehind({ url: `${first.url}/v1/completions`, message: 'HTTP 500' }, 200), null);
      writeFileSync(marker, '');
      await assert.rejects(complete(first.url, name));
      const crash = await pool.crashBehind({ url: `${first.url}/v1/completions`, message: 'socket hang up' });
      assert.ok(crash, 'the crash is known');
      assert.equal(crash.signal, signal);
      const msg = crashMessage(crash);
      assert.ok(msg.includes(MODEL), msg);
      assert.match(msg, new RegExp(`local llama\\.cpp engine crashed \\(killed by ${signal}\\)`));
      assert.match(msg, /the next run starts a fresh engine/);
      // An unrelated URL is not this engine's.
      assert.equal(await pool.crashBehind({ url: 'http://127.0.0.1:1/v1/completions' }, 50), null);
      const second = await pool.serve([MODEL]);
      assert.notEqual(second.pid, first.pid);
      assert.notEqual(second.url, first.url);
      await complete(second.url, second.served.get(MODEL)!.name);
    } finally {
      await pool.dispose();
    }
  });
}

test('a run whose engine crashes ends with an error naming the model file and the crash; the next run starts a fresh engine and finishes', { skip: windows, timeout: 240_000 }, async () => {
  const { pool, marker } = crashingPool('SIGSEGV');
  const config = RunConfig.parse({
    base: { gguf: MODEL },
    baseline: { gguf: MODEL },
    reward: { kind: 'builtin', name: 'length', target: 10 },
    decoding: { maxTokens: 3, topK: 3, rollouts: 1, horizon: 2, seed: 1 },
    strategies: ['greedy'],
  });
  try {
    writeFileSync(marker, '');
    const crashed = await runPipeline(newRun('The', ['greedy']), config, new AbortController().signal, { engines: pool });
    assert.equal(crashed.status, 'error');
    assert.ok(!existsSync(marker), 'the engine crashed during the run');
    const message = crashed.error?.message ?? '';
    assert.ok(message.includes(MODEL), message);
    assert.match(message, /local llama\.cpp engine crashed \(killed by SIGSEGV\)/);
    assert.equal(crashed.error?.setting, 'tqstar.base.gguf');
    const next = await runPipeline(newRun('The', ['greedy']), config, new AbortController().signal, { engines: pool });
    assert.equal(next.status, 'done', next.error?.message);
    assert.ok((next.result?.results[0]?.text ?? '').length >= 0);
  } finally {
    await pool.dispose();
  }
});
