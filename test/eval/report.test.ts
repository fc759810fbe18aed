// The SVG plots and the HTML report: axes, ticks, error bars, legend, frontier, links; self-contained; model text escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnswerRecord } from '../../src/eval/records';
import { htmlReport, plotSpecs } from '../../src/eval/report';
import { summarise } from '../../src/eval/summary';
import { linearTicks, logTicks, scatterSvg } from '../../src/eval/svg';

const answer = (point: string, strategy: AnswerRecord['strategy'], promptId: string, reward: number, tokens: number, kl: number, text = 'ok'): AnswerRecord => ({
  kind: 'answer', key: `${point}-${promptId}`, point, label: point, strategy, swept: {}, promptId, prompt: `prompt ${promptId}`, seed: 0, decodeSeed: 0, text, finish: 'eos',
  reward, baselineReward: null, outputTokens: 4, modelTokens: tokens * 4, requests: 3, rewardCalls: 1, rewardInputs: 1, wallMs: 10, logBase: -kl,
  kl: { value: kl, estimator: 'exact' }, diversity: 0.5, coherence: null, exact: null,
});

const ANSWERS = [
  answer('base', 'baseline', 'p1', 0.5, 1, 2), answer('base', 'baseline', 'p2', 0.7, 1, 2),
  answer('bon8', 'bon', 'p1', 1.0, 5, 1.5), answer('bon8', 'bon', 'p2', 1.2, 5, 1.5),
  answer('tq', 'tqstar', 'p1', 0.9, 200, 3, '<script>alert(1)</script> & "quotes"'), answer('tq', 'tqstar', 'p2', 1.1, 200, 3),
];

test('ticks: nice linear steps and log decades', () => {
  assert.deepEqual(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(-0.3, 1.3, 4), [0, 0.5, 1]);
  assert.deepEqual(logTicks(0.8, 300), [1, 10, 100]);
  assert.deepEqual(logTicks(1.5, 30), [2, 5, 10, 20]);
});

test('summary: means ± SE, win/tie/loss against the reference, cost, and the frontiers', () => {
  const s = summarise(ANSWERS, [], 'base');
  const bon = s.points.find((p) => p.point === 'bon8')!;
  assert.ok(Math.abs(bon.reward!.mean - 1.1) < 1e-12);
  assert.ok(Math.abs(bon.reward!.se! - 0.1) < 1e-12); // s = √0.02, s/√2 = 0.1
  assert.deepEqual([bon.vsReference!.win, bon.vsReference!.tie, bon.vsReference!.loss], [2, 0, 0]);
  assert.equal(bon.cost.modelTokensPerOutputToken, 5);
  assert.equal(bon.distinct, 1 / 2, 'both Best-of-8 answers are "ok": one distinct text of two');
  // Compute frontier: baseline (cheapest) and Best-of-8 (best); TQ* costs more for less. KL frontier: Best-of-8 has the least KL and the most reward.
  assert.deepEqual(s.points.filter((p) => p.frontier.cost).map((p) => p.point), ['base', 'bon8']);
  assert.deepEqual(s.points.filter((p) => p.frontier.kl).map((p) => p.point), ['bon8']);
});

test('SVG: labelled axes (log x), error bars, a legend per strategy, the frontier line, clickable points', () => {
  const [cost, kl] = plotSpecs(summarise(ANSWERS, [], 'base'), true);
  const svg = scatterSvg(cost!);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, />model tokens per output token \(log scale\)</);
  assert.match(svg, />mean reward</);
  for (const s of ['baseline', 'bon', 'tqstar']) assert.match(svg, new RegExp(`>${s}</text>`));
  assert.match(svg, /class="front" points="[^"]+ [^"]+"/, 'a frontier through two points');
  assert.equal((svg.match(/data-point=/g) ?? []).length, 3);
  assert.match(svg, /<a href="#p-bon8">/);
  assert.equal((svg.match(/<line class="err s-/g) ?? []).length, 3, 'one y error bar per point');
  assert.doesNotMatch(svg, /style="/, 'no style attributes (a webview CSP blocks them)');
  assert.match(svg, /\.tq-plot \.dot\.s-tqstar\{fill:var\(--vscode-charts-red, #d62728\)\}/, 'the colour rules embedded for a standalone file');
  assert.match(scatterSvg(kl!), />KL estimate along the answer \(nats\)</);
});

test('HTML report: no external resources, a CSP, model output escaped', () => {
  const html = htmlReport(summarise(ANSWERS, [], 'base'), ANSWERS, { title: 'T <b>', notes: ['n & m'], generated: 'now' });
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//i, 'nothing loaded from elsewhere');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/);
  assert.match(html, /<title>T &lt;b&gt;<\/title>/);
  assert.match(html, /id="p-tq"/);
});

test('compareAtEqual: each peer\'s best point within TQ*\'s compute and within its KL, with the reward difference', async () => {
  const { compareAtEqual, comparisonText } = await import('../../src/eval/compare');
  const extra = [answer('bon64', 'bon', 'p1', 1.5, 300, 4), answer('bon64', 'bon', 'p2', 1.7, 300, 4)];
  const [c] = compareAtEqual(summarise([...ANSWERS, ...extra], [], 'base'));
  assert.equal(c!.target.point, 'tq');
  const bonCompute = c!.compute.find((m) => m.peer === 'bon')!;
  // TQ* costs 200 tokens per output token: Best-of-8 (5) is within it, Best-of-64 (300) is not.
  assert.equal(bonCompute.point!.point, 'bon8');
  assert.ok(Math.abs(bonCompute.delta! - (1.0 - 1.1)) < 1e-12);
  assert.ok(Math.abs(bonCompute.deltaSe! - Math.hypot(0.1, 0.1)) < 1e-12);
  // TQ*'s KL is 3: Best-of-8 (1.5) is within it, Best-of-64 (4) is not.
  assert.equal(c!.kl.find((m) => m.peer === 'bon')!.point!.point, 'bon8');
  assert.equal(c!.kl.find((m) => m.peer === 'baseline')!.point!.point, 'base');
  assert.match(comparisonText([c!]), /at ≤ compute: baseline 0\.600 \(\+0\.400 ± 0\.141\); bon 1\.100 \(-0\.100 ± 0\.141\)/);
});
