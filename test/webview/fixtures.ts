// Hand-written runs in the documented events.ts shape, for webview and history tests.
import type { ResultView, RunView, StepView } from '../../src/webview/protocol';

export function step(index: number, chosenText: string, cands: Array<{ text: string; lpBase: number | null; q: number; chosen?: boolean }>): StepView {
  const chosen = cands.find((c) => c.chosen) ?? cands[0]!;
  return {
    index,
    chosen: { id: 100 + index, text: chosenText },
    accepted: [],
    candidates: cands.map((c, i) => ({
      id: c.chosen ? 100 + index : 1000 + i,
      text: c.text,
      logprobBase: c.lpBase,
      logprobBaseline: -1.5,
      q: c.q,
      qStderr: 0.05,
      ess: null,
      score: (c.lpBase ?? -20) + c.q,
      selectProb: c === chosen ? 0.7 : 0.3 / (cands.length - 1),
      chosen: c === chosen,
      rollouts: [{ text: `${c.text} and more`, reward: c.q + 0.01 }, { text: `${c.text} or less`, reward: c.q - 0.01 }],
    })),
    timing: { wallMs: 10 },
    requests: 3,
    modelTokens: 40,
  };
}

export function result(strategy: ResultView['strategy'], text: string, reward: number | null, steps: StepView[] = []): ResultView {
  return {
    strategy, text, reward, steps,
    tokens: steps.flatMap((s) => [s.chosen, ...s.accepted]),
    stats: { requests: 3 * Math.max(1, steps.length), modelTokens: 40, wallMs: 30 },
    finish: 'eos',
    warnings: [],
  };
}

/** A TQ* result whose two steps chose "Hello" (the base model's favourite) and " world" (against it: shift 2.5 nats). */
export function tqResult(reward = 0.9): ResultView {
  const steps = [
    step(0, 'Hello', [{ text: 'Hello', lpBase: -0.2, q: 0.5, chosen: true }, { text: 'Hi', lpBase: -1.8, q: 0.3 }]),
    step(1, ' world', [{ text: ' there', lpBase: -0.1, q: 0.1 }, { text: ' world', lpBase: -2.6, q: 0.9, chosen: true }]),
  ];
  return result('tqstar', 'Hello world', reward, steps);
}

export function run(results: ResultView[], over: Partial<RunView> = {}): RunView {
  return { id: 'run-1', prompt: 'Say hi', strategies: results.map((r) => r.strategy), startedAt: 1_700_000_000_000, status: 'done', results, stats: { requests: 10, modelTokens: 100, wallMs: 200 }, ...over };
}

/**
 * The same two steps with the base model's real top-1 recorded (as the TQ* step reports it): step 1's
 * top-1 "Hello" was proposed and chosen; step 2's top-1 " the" (log π_base −0.05) was not proposed at all,
 * so " world" sits 2.55 nats below it — more than the 2.5 nats to the best proposed candidate " there".
 */
export function tqResultWithBaseTop(reward = 0.9): ResultView {
  const r = tqResult(reward);
  const [s0, s1] = r.steps;
  const steps = [
    { ...s0!, baseTop: { id: 100, text: 'Hello', logprobBase: -0.2, proposed: true }, alpha: 1.5, steered: true },
    { ...s1!, baseTop: { id: 7, text: ' the', logprobBase: -0.05, proposed: false }, alpha: 1.5, steered: true },
  ];
  return { ...r, steps };
}
