// Smoke and unit tests of the bench: it runs on a tiny setting and writes well-formed results; its critical path and naive schedule do what they claim.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { criticalPathMs } from '../../src/eval/criticalPath';
import { naiveModel, naiveReward, Serial } from '../../bench/naive';
import type { CallRecord } from '../../src/eval/recorder';
import { tabularSuite } from '../../src/models/inProcess';
import { isolatedRequestMs, parseLatency } from '../../src/server/index';

const o = parseLatency('vllm-8b');

const call = (engine: string, start: number, end: number, prompt: number[], gen: number): CallRecord => ({
  engine,
  what: 'x',
  start,
  end,
  seqs: [{ prompt, promptTokens: prompt.length, genTokens: gen, full: [...prompt, ...Array<number>(gen).fill(7)] }],
  generated: gen,
});

test('critical path: overlapping requests count once, a request sent after another finished waits for it', () => {
  const p1 = Array.from({ length: 40 }, (_, i) => i);
  const p2 = Array.from({ length: 40 }, (_, i) => 100 + i);
  const a = call('m', 0, 50, p1, 10);
  const b = call('n', 1, 60, p2, 3); // in flight together with a
  const c = call('n', 70, 80, p2, 1); // sent after both finished; its prompt is now cached on engine n
  const isoA = isolatedRequestMs(o, [{ newPromptTokens: 40, genTokens: 10 }]);
  const isoB = isolatedRequestMs(o, [{ newPromptTokens: 40, genTokens: 3 }]);
  const isoC = isolatedRequestMs(o, [{ newPromptTokens: 40 - 32, genTokens: 1 }]); // two 16-token blocks hit
  assert.equal(criticalPathMs(o, [a, b]), Math.max(isoA, isoB));
  assert.equal(criticalPathMs(o, [a, b, c]), Math.max(isoA, isoB) + isoC);
  // The same three requests one after another: the path is their sum.
  const seq = [call('m', 0, 1, p1, 10), call('n', 2, 3, p2, 3), call('n', 4, 5, p2, 1)];
  assert.equal(criticalPathMs(o, seq), isoA + isoB + isoC);
});

test('naive schedule: one single-item request at a time, same answers shape', async () => {
  const s = tabularSuite();
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  const track = <T>(f: () => Promise<T>) => async () => {
    calls++;
    most = Math.max(most, ++inFlight);
    try {
      return await f();
    } finally {
      inFlight--;
    }
  };
  const spy = {
    ...s.rhoStarR,
    label: 'spy',
    eosId: s.rhoStarR.eosId,
    sample: (req: Parameters<typeof s.rhoStarR.sample>[0]) => {
      assert.equal(req.prompts.length * req.n, 1);
      return track(() => s.rhoStarR.sample(req))();
    },
    score: (req: Parameters<typeof s.base.score>[0]) => {
      assert.equal(req.items.length, 1);
      return track(() => s.base.score(req))();
    },
    nextTokens: s.rhoStarR.nextTokens.bind(s.rhoStarR),
    encode: s.rhoStarR.encode.bind(s.rhoStarR),
  };
  const lock = new Serial();
  const m = naiveModel(spy, lock);
  const r = naiveReward({ label: 'r', score: (pairs) => track(() => s.reward.score(pairs))() }, lock);
  const bos = s.world.bosId;
  const [samples, scores, rewards] = await Promise.all([
    m.sample({ prompts: [[bos], [bos, 0]], n: 3, temperature: 1, maxTokens: 3, seed: 1 }),
    m.score({ items: [{ prompt: [bos], continuation: [0] }, { prompt: [bos], continuation: [1, 2] }] }),
    r.score([{ prompt: '', response: ' a' }, { prompt: '', response: ' b' }]),
  ]);
  assert.deepEqual(samples.map((x) => x.length), [3, 3]);
  assert.deepEqual(scores.map((x) => x.logprobs.length), [1, 2]);
  assert.equal(rewards.length, 2);
  assert.equal(calls, 6 + 2 + 2);
  assert.equal(most, 1);
});

test('npm run bench --tiny runs and writes well-formed results', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-bench-'));
  try {
    const out = join(dir, 'results.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--tiny', '--only', 'demo/reference,demo/tqstar,tabular/tqstar,len16/tqstar,compare/demo', '--cpu-replays', '1', '--out', out], {
      encoding: 'utf8',
      timeout: 220_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(doc.rows.map((x: { id: string }) => x.id), ['demo/reference', 'demo/tqstar', 'tabular/tqstar', 'len16/tqstar']);
    for (const row of doc.rows) assert.ok(row.bytesReceivedPerOutputToken > 0 && row.bytesSentPerOutputToken > 0, `${row.id}: bytes counted`);
    const [cmp] = doc.compares;
    assert.equal(doc.compares.length, 1);
    assert.deepEqual(cmp.errors, []);
    assert.ok(cmp.compareMs > 0 && cmp.inTurnMs > 0 && Number.isFinite(cmp.ratio) && Object.keys(cmp.aloneMs).length === 8);
    for (const row of doc.rows) {
      assert.deepEqual(row.errors, [], row.id);
      assert.ok(Number.isFinite(row.reward.mean), row.id);
      assert.ok(row.httpRequestsPerStep > 0 && row.generatedTokensPerOutputToken > 0, row.id);
      assert.ok(row.timing.criticalPathMsPerOutputToken > 0 && row.timing.wallMsPerOutputToken > 0, row.id);
      assert.ok(row.decoderCpuMsPerStep > 0 && row.peakRssMb > 0, row.id);
    }
    const [ref, tq, tab, long] = doc.rows;
    assert.equal(long.outputTokensPerRun, 3, 'EOS off: the answer runs to maxTokens');
    // The naive schedule sends at least one request per rollout: k·N = 3·2 per step.
    assert.ok(ref.httpRequestsPerStep >= 6, `reference ${ref.httpRequestsPerStep} requests per step`);
    assert.ok(tq.httpRequestsPerStep < ref.httpRequestsPerStep);
    assert.ok(Number.isFinite(tab.exact.objective));
    assert.ok(Array.isArray(doc.targets) && doc.targets.length > 0);
    assert.match(r.stdout, /reward ± se/);
    // The local-engine rows: real time of a TQ* step and of batched calls on the GGUF models.
    assert.deepEqual(doc.engine.map((x: { id: string }) => x.id), ['engine/tqstar-step', 'engine/sample-40x20', 'engine/score-40']);
    for (const row of doc.engine) assert.ok(row.msPerUnit > 0 && row.units > 0 && row.tokensPerSecond > 0, row.id);
    assert.match(r.stdout, /Local engine \(real time on this machine\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench wire: the EOS-off front makes rollouts run their full length, and bytes are counted per exchange at the server', { timeout: 60_000 }, async () => {
  const { WireBytes, eosOffFront } = await import('../../bench/wire');
  const { startServer } = await import('../../src/server/index');
  const bytes = new WireBytes();
  const server = await startServer({ port: 0, quiet: true });
  bytes.port = Number(new URL(server.url).port);
  const front = await eosOffFront(server.url);
  try {
    const body = { model: 'demo-base', prompt: 'The food was', max_tokens: 40, n: 4, temperature: 1, seed: 1 };
    const post = async (root: string) => {
      const res = await fetch(`${root}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { text: await res.text() };
    };
    const plain = JSON.parse((await post(server.url)).text) as { choices: Array<{ finish_reason: string }> };
    const before = bytes.out;
    const off = await post(`${front.url}/noeos`);
    const parsed = JSON.parse(off.text) as { choices: Array<{ finish_reason: string }> };
    assert.ok(plain.choices.some((c) => c.finish_reason === 'stop'), 'the demo model ends sentences by EOS on its own');
    assert.ok(parsed.choices.every((c) => c.finish_reason === 'length'), 'through the front it never stops before max_tokens');
    assert.ok(bytes.out - before >= Buffer.byteLength(off.text), `bytes counted once, headers included: ${bytes.out - before} ≥ ${Buffer.byteLength(off.text)}`);
    assert.ok(bytes.out - before < 2 * Buffer.byteLength(off.text) + 2048, 'the front\'s own exchange is not counted again');
  } finally {
    await front.close();
    await server.close();
  }
});

test('critical path, "what if" a reward prefix cache: each input pays only what follows the shared part', () => {
  const reward: CallRecord = { engine: 'r', what: 'reward.score', start: 0, end: 5, seqs: [300, 310, 320].map((n) => ({ prompt: null, promptTokens: n, genTokens: 0 })), generated: 0, sharedPromptTokens: 290 };
  assert.equal(criticalPathMs(o, [reward]), isolatedRequestMs(o, [300, 310, 320].map((n) => ({ newPromptTokens: n, genTokens: 0 }))));
  assert.equal(criticalPathMs(o, [reward], { rewardPrefixCache: true }), isolatedRequestMs(o, [10, 20, 30].map((n) => ({ newPromptTokens: n, genTokens: 0 }))));
});
