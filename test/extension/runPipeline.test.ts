// The extension's run pipeline over real HTTP against the built-in reference server: streaming, cancel, failures, keys, vscode-lm plug.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startServer } from '../../src/server';
import { demoRunConfig } from '../../src/server/demoConfig';
import { RunConfig, STRATEGY_NAMES, type RunConfigInput } from '../../src/config/schema';
import { newRun, orderStrategies, runPipeline } from '../../src/extension/runPipeline';
import { formatRequestLine } from '../../src/extension/requestLog';
import { lmJudgeReward } from '../../src/extension/lmJudge';
import { settingForError } from '../../src/extension/settings';
import { DecodeEventView, RunResultView, parseMessage, type RunView } from '../../src/webview/protocol';

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => { server = await startServer({ port: 0, quiet: true }); });
after(async () => { await server?.close(); });

// Short outputs keep the suite quick on two shared cores; the behaviour under test does not depend on length.
const config = (over: Partial<RunConfigInput> = {}) => {
  const base = demoRunConfig(server.url);
  return RunConfig.parse({ ...base, ...over, decoding: { ...(base.decoding as object), maxTokens: 6, rollouts: 2, horizon: 6, ...(over.decoding as object) } });
};

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

test('tqstar runs first whatever order was asked', () => {
  assert.deepEqual(orderStrategies(['greedy', 'tqstar', 'bon']), ['tqstar', 'greedy', 'bon']);
  assert.deepEqual(orderStrategies(['greedy']), ['greedy']);
});

test('a run streams views step by step and ends done, with one log line per request and never the key', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const views: RunView[] = [];
  const events: unknown[] = [];
  const before = server.stats().requests;
  const out = await runPipeline(newRun('The movie was', ['tqstar', 'greedy']), config(), new AbortController().signal, {
    apiKey: async () => 'sk-very-secret-key',
    log: (l) => lines.push(formatRequestLine(l)),
    onEvent: (e, v) => { events.push(e); views.push(v); },
  });
  assert.equal(out.status, 'done', JSON.stringify(out.error));
  // The core's real events and result fit the panel protocol (a mismatch would make the webview drop them).
  for (const e of events) { const p = parseMessage(DecodeEventView, e); assert.ok(p.ok, `${(e as { type: string }).type}: ${!p.ok && p.reason}`); }
  const whole = parseMessage(RunResultView, out.result);
  assert.ok(whole.ok, !whole.ok ? whole.reason : '');
  const tq = out.view.results.find((r) => r.strategy === 'tqstar')!;
  assert.ok(tq.steps.length > 0 && tq.reward !== null && Number.isFinite(tq.reward));
  assert.ok(tq.steps[0]!.candidates.some((c) => c.chosen));
  // Streaming: the views grew one step at a time before the end.
  const tqSteps = views.map((v) => v.results.find((r) => r.strategy === 'tqstar')?.steps.length ?? 0);
  assert.ok(tqSteps.includes(1) && tqSteps.includes(2), `steps seen while streaming: ${tqSteps.join(',')}`);
  assert.deepEqual(out.view.results.map((r) => r.strategy).sort(), ['greedy', 'tqstar']);
  // The log: one line per HTTP request, naming the URL and status, and no key anywhere.
  const served = server.stats().requests - before;
  assert.equal(lines.length, served, 'one log line per request the server saw');
  assert.ok(lines.every((l) => l.includes(new URL(server.url).host) && /→ 200 \(\d+ ms\)$/.test(l)), lines.slice(0, 3).join('\n'));
  assert.ok(!lines.some((l) => l.includes('sk-very-secret-key')));
});

test('cancelling mid-run keeps what was decoded and ends cancelled', { timeout: 120_000 }, async () => {
  const abort = new AbortController();
  const out = await runPipeline(newRun('The movie was', ['tqstar', 'greedy']), config({ decoding: { maxTokens: 24 } }), abort.signal, {
    onEvent: (e) => { if (e.type === 'step' && e.strategy === 'tqstar' && e.step.index === 1) abort.abort(); },
  });
  assert.equal(out.status, 'cancelled');
  const tq = out.view.results.find((r) => r.strategy === 'tqstar')!;
  assert.ok(tq.text.length > 0, 'partial TQ* text kept');
  assert.ok(tq.steps.length >= 2 && tq.steps.length < 24);
});

test('an unreachable endpoint ends in an error naming its URL and the setting to fix', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const cfg = config();
  const out = await runPipeline(newRun('The movie was', ['tqstar']), { ...cfg, base: { ...cfg.base, baseUrl: `http://127.0.0.1:${port}/v1` } }, new AbortController().signal);
  assert.equal(out.status, 'error');
  assert.ok(out.error, 'an error is reported');
  const text = `${out.error!.message} ${out.error!.url ?? ''}`;
  assert.match(text, new RegExp(`127\\.0\\.0\\.1:${port}`));
  // The typed setting itself: Open Settings lands on the URL field.
  assert.equal(settingForError(out.error!.setting), 'tqstar.base.baseUrl');
});

test('a vscode-lm reward plugs in through rewardFactories and scores the outputs', { timeout: 120_000 }, async () => {
  let asked = 0;
  // A stand-in chat model of the JudgeModel shape: it rates by counting a word, so the score is checkable.
  const judge = lmJudgeReward(async () => ({ id: 'stub', ask: async (m: string) => { asked++; return String((m.match(/good|great/g) ?? []).length); } }), '{response}');
  const out = await runPipeline(newRun('The movie was', ['greedy']), config({ reward: { kind: 'vscode-lm' } }), new AbortController().signal, {
    rewardFactories: { 'vscode-lm': () => judge },
  });
  assert.equal(out.status, 'done', JSON.stringify(out.error));
  const g = out.view.results[0]!;
  assert.equal(g.reward, (g.text.match(/good|great/g) ?? []).length);
  assert.ok(asked > 0);
});

test('every strategy\'s real events fit the panel protocol', { timeout: 180_000 }, async () => {
  const events: unknown[] = [];
  const out = await runPipeline(newRun('The food was', [...STRATEGY_NAMES]), config({ decoding: { maxTokens: 3, bestOfN: 2, blockSize: 2, blockCandidates: 2 } }), new AbortController().signal, {
    onEvent: (e) => events.push(e),
  });
  assert.equal(out.status, 'done', JSON.stringify(out.error));
  assert.deepEqual(out.view.results.map((r) => r.strategy).sort(), [...STRATEGY_NAMES].sort());
  for (const e of events) { const p = parseMessage(DecodeEventView, e); assert.ok(p.ok, `${(e as { type: string }).type}: ${!p.ok && p.reason}`); }
  assert.ok(parseMessage(RunResultView, out.result).ok);
});
