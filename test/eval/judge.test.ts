// The pairwise judge over HTTP (a local chat-completions stub with a fixed rule): seeded answer order, verdicts mapped back, counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import { httpPairJudge, parseVerdict } from '../../src/eval/clients';
import { candidateFirst } from '../../src/eval/metrics';
import type { JudgeRecord } from '../../src/eval/records';
import { planEval, runEval } from '../../src/eval/runner';
import { summarise } from '../../src/eval/summary';
import { TABULAR_EVAL_PROMPTS, tabularEvalWorld } from '../../src/eval/worlds';
import { startServer, type RunningServer } from '../../src/server/index';
import { stubServer, type Stub } from '../backends/stubServer';

let server: RunningServer;
let judge: Stub;
const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;
const section = (content: string, name: string) => content.split(`${name}:\n`)[1]!.split('\n\n')[0]!;

before(async () => {
  server = await startServer({ port: 0, quiet: true });
  // The stub judge's rule (known to the test): the response with more words wins; equal counts tie.
  judge = await stubServer(({ body }) => {
    const content = (body as { messages: { content: string }[] }).messages[0]!.content;
    const a = wordCount(section(content, 'Response 1'));
    const b = wordCount(section(content, 'Response 2'));
    return { body: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: a > b ? '1' : b > a ? '2' : 'tie' }, finish_reason: 'stop' }] } };
  });
});
after(async () => {
  await server.close();
  await judge.close();
});

test('parseVerdict: 1, 2, tie; anything else is no verdict', () => {
  assert.equal(parseVerdict(' 1'), 'first');
  assert.equal(parseVerdict('Response 2.'), 'second');
  assert.equal(parseVerdict('Tie'), 'tie');
  assert.equal(parseVerdict('both are fine'), undefined);
  assert.equal(parseVerdict('12'), undefined);
});

test('judge: every answer against the reference in seeded random order; the outcome follows the rule whichever order was shown', { timeout: 120_000 }, async () => {
  const w = tabularEvalWorld(server.url);
  const config = loadRunConfig(w.config);
  const seeds = [0, 1, 2, 3, 4, 5];
  const plan = planEval({ config, strategies: ['sample', 'greedy'], sweeps: [], prompts: TABULAR_EVAL_PROMPTS.slice(0, 4), seeds, reference: 'greedy' });
  const { env } = await buildEnv(config);
  const pj = httpPairJudge(`${judge.url}/v1`, 'stub-judge');
  const res = await runEval(plan, { env, judge: pj, judgeSeed: 3, done: new Map(), concurrency: 4, write: () => {} });
  assert.equal(res.judged.length, 4 * seeds.length, 'one verdict per sample answer');
  assert.equal(judge.requests.length, res.judged.length);
  const byKey = new Map(res.answers.map((a) => [`${a.point}|${a.promptId}|${a.seed}`, a]));
  const ref = plan.reference!.key;
  let firsts = 0;
  for (const j of res.judged) {
    assert.equal(j.candidateFirst, candidateFirst(3, j.key), 'the order is the seeded coin of the pair');
    if (j.candidateFirst) firsts++;
    const cand = byKey.get(`${j.point}|${j.promptId}|${j.seed}`)!;
    const base = byKey.get(`${ref}|${j.promptId}|${j.seed}`)!;
    const [a, b] = [wordCount(cand.text), wordCount(base.text)];
    assert.equal(j.outcome, a > b ? 'win' : a < b ? 'loss' : 'tie', `${JSON.stringify(cand.text)} vs ${JSON.stringify(base.text)}`);
  }
  assert.ok(firsts > 0 && firsts < res.judged.length, 'both orders were shown');
  // The judge saw the two texts in the recorded order.
  for (const rq of judge.requests) {
    const content = (rq.body as { messages: { content: string }[] }).messages[0]!.content;
    const j = res.judged.find((x) => {
      const cand = byKey.get(`${x.point}|${x.promptId}|${x.seed}`)!;
      return content.includes(`Prompt:\n${cand.prompt}\n`) && section(content, x.candidateFirst ? 'Response 1' : 'Response 2') === cand.text;
    });
    assert.ok(j, 'a request matches a recorded verdict and order');
  }
  const s = summarise(res.answers, res.judged, ref);
  const sample = s.points.find((p) => p.strategy === 'sample')!;
  const count = (o: JudgeRecord['outcome']) => res.judged.filter((j) => j.outcome === o).length;
  assert.deepEqual([sample.judge!.win, sample.judge!.tie, sample.judge!.loss], [count('win'), count('tie'), count('loss')]);
});
