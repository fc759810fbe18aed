// The vscode-lm judge without VS Code: score parsing, instruction filling, error messages, and the RewardSource contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillInstruction, lmErrorMessage, lmJudgeReward, parseJudgeScore, type JudgeModel } from '../../src/extension/lmJudge';
import { TqError } from '../../src/core/errors';

test('the first number of the answer is the score; no number is an error, never 0', () => {
  assert.equal(parseJudgeScore('8'), 8);
  assert.equal(parseJudgeScore('Score: 7.5/10'), 7.5);
  assert.equal(parseJudgeScore(' -2 '), -2);
  assert.throws(() => parseJudgeScore('I cannot rate this.'), (e) => e instanceof TqError && e.kind === 'reward');
});

test('instruction placeholders are filled once (a response containing "{prompt}" stays literal)', () => {
  assert.equal(fillInstruction('P={prompt} R={response}', { prompt: 'a', response: 'b {prompt}' }), 'P=a R=b {prompt}');
});

test('consent and blocking errors say what to do', () => {
  assert.match(lmErrorMessage('NoPermissions', 'x'), /allow it when VS Code asks/);
  assert.match(lmErrorMessage('Blocked', 'x'), /blocked/);
  assert.match(lmErrorMessage('NotFound', 'x'), /not available/);
  assert.match(lmErrorMessage(undefined, 'boom'), /boom/);
});

test('the judge scores each pair with one request, in order, and picks its model once', async () => {
  let picks = 0;
  const asked: string[] = [];
  const model: JudgeModel = { id: 'm', ask: async (msg) => { asked.push(msg); return msg.includes('good') ? '9' : '2'; } };
  const r = lmJudgeReward(async () => { picks++; return model; }, '{response}');
  assert.deepEqual(await r.score([{ prompt: 'p', response: 'good' }, { prompt: 'p', response: 'bad' }]), [9, 2]);
  assert.deepEqual(await r.score([{ prompt: 'p', response: 'good' }]), [9]);
  assert.equal(picks, 1);
  assert.deepEqual(asked, ['good', 'bad', 'good']);
});

test('a failed model pick is retried on the next call (e.g. after the user grants consent)', async () => {
  let n = 0;
  const r = lmJudgeReward(async () => { if (n++ === 0) throw new TqError('reward', 'no consent'); return { id: 'm', ask: async () => '5' }; });
  await assert.rejects(r.score([{ prompt: 'p', response: 'r' }]), /no consent/);
  assert.deepEqual(await r.score([{ prompt: 'p', response: 'r' }]), [5]);
});
