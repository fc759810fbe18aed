// The host acts only on outputs the run really has (a compromised page cannot have arbitrary text inserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refersToRun } from '../../src/webview/runState';
import { joinContinuation } from '../../src/webview/runState';
import { result, run } from './fixtures';

const shown = run([result('tqstar', 'Hello world', 0.4), result('bon', 'Hi there', 0.7)]);

test('an output message naming a strategy and its exact text refers to the run', () => {
  assert.ok(refersToRun({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: 'Hello world' } }, shown));
  assert.ok(refersToRun({ type: 'diff', left: { strategy: 'tqstar', text: 'Hello world' }, right: { strategy: 'bon', text: 'Hi there' } }, shown));
});

test('other text, a strategy the run lacks, or no run at all is refused', () => {
  assert.equal(refersToRun({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: 'rm -rf ~' } }, shown), false);
  assert.equal(refersToRun({ type: 'output', action: 'insert', output: { strategy: 'greedy', text: 'Hello world' } }, shown), false);
  assert.equal(refersToRun({ type: 'diff', left: { strategy: 'tqstar', text: 'Hello world' }, right: { strategy: 'bon', text: 'forged' } }, shown), false);
  assert.equal(refersToRun({ type: 'output', action: 'insert', output: { strategy: 'tqstar', text: 'Hello world' } }, null), false);
});

test('Replace Prompt text: the prompt followed by the continuation, one space at the seam', () => {
  assert.equal(joinContinuation('The service was', ' slow and the quality was high.'), 'The service was slow and the quality was high.');
  assert.equal(joinContinuation('The service was ', ' slow'), 'The service was slow');
  assert.equal(joinContinuation('Title:\n', 'Body'), 'Title:\nBody');
  assert.equal(joinContinuation('x', ''), 'x');
});
