// The engine clock on a manual time source: modelled passes dated from arrival, so a server's own compute overlaps them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Engine, type EngineClock } from '../../src/server/engine';
import { VLLM_8B } from '../../src/server/latency';

/** Time moves only when the engine sleeps or the test says so. */
function manualClock(start: number) {
  const c = { t: start, slept: [] as number[] };
  const clock: EngineClock = {
    now: () => c.t,
    sleep: async (ms) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return { c, clock };
}

const o = { ...VLLM_8B, request: 0, prefill: 0, step: 10, stepGrowth: 0 };
const seq = (genTokens: number) => ({ prompt: [1, 2, 3], promptTokens: 3, genTokens });

describe('engine clock', () => {
  test('an answer computed after its modelled passes ended is released at once (the passes ran during the compute)', async () => {
    const { c, clock } = manualClock(100); // the request arrived at 0 and its answer took 100 ms to compute
    const e = new Engine(o, true, clock);
    const costs = await e.submit([seq(5)], 0);
    assert.deepEqual(costs, [{ newPromptTokens: 3, genTokens: 5 }]);
    assert.equal(e.stats.iterations, 5);
    assert.equal(e.stats.busyMs, 50);
    assert.deepEqual(c.slept, [], 'modelled end 0 + 5·10 = 50 < 100: nothing left to wait');
    assert.equal(c.t, 100);
  });

  test('an answer computed quickly waits for the rest of the modelled passes, counted from arrival', async () => {
    const { c, clock } = manualClock(25);
    const e = new Engine(o, true, clock);
    await e.submit([seq(5)], 0);
    assert.equal(c.t, 50, 'released at arrival + 5 passes, not at submission + 5 passes (75)');
    assert.equal(e.stats.iterations, 5);
  });

  test('without an arrival time the passes start at submission, as before', async () => {
    const { c, clock } = manualClock(25);
    const e = new Engine(o, true, clock);
    await e.submit([seq(3)]);
    assert.equal(c.t, 55);
  });

  test('an idle engine does not date a pass before its previous pass ended', async () => {
    const { c, clock } = manualClock(0);
    const e = new Engine(o, true, clock);
    await e.submit([seq(4)], 0); // passes end at 40
    c.t = 45;
    await e.submit([seq(2)], 10); // arrived at 10 while the first was running, submitted at 45
    assert.equal(c.t, 60, 'its passes run from 40 (the first request’s end) to 60');
    assert.equal(e.stats.iterations, 6);
  });

  test('a request arriving later than the submission clock (overhead still running) starts no earlier than its arrival', async () => {
    const { c, clock } = manualClock(0);
    const e = new Engine({ ...o, request: 5 }, true, clock);
    await e.submit([seq(2)], 5);
    assert.equal(c.t, 25);
  });

  test('with the clock off the engine never sleeps and keeps the same accounting', async () => {
    const { c, clock } = manualClock(0);
    const e = new Engine(o, false, clock);
    await e.submit([seq(3), seq(1)], 0);
    assert.deepEqual(c.slept, []);
    assert.equal(e.stats.iterations, 3);
    assert.equal(e.stats.decodeTokens, 2);
  });
});
