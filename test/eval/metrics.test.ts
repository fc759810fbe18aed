// The eval's metrics against hand-computed values: diversity, rep_n, cosine, win/tie/loss, judge order, Pareto frontier.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateFirst, compareRewards, cosine, countOutcomes, diversity, judgeOutcome, paretoFrontier, repN, words } from '../../src/eval/metrics';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test('words: lower-cased words and punctuation marks as separate tokens', () => {
  assert.deepEqual(words("Thanks, it's GREAT!"), ['thanks', ',', "it's", 'great', '!']);
  assert.deepEqual(words(''), []);
});

test('rep_n and diversity on fixed strings, by hand (the paper\'s +1 in the denominator included)', () => {
  // "a b c d e": 5 tokens, all n-grams distinct. rep_2 = 100(1 − 4/5), rep_3 = 100(1 − 3/4), rep_4 = 100(1 − 2/3).
  const t = words('a b c d e');
  close(repN(t, 2), 100 * (1 - 4 / 5));
  close(repN(t, 3), 100 * (1 - 3 / 4));
  close(repN(t, 4), 100 * (1 - 2 / 3));
  close(diversity('a b c d e'), (4 / 5) * (3 / 4) * (2 / 3)); // = 0.4
  close(diversity('a b c d e'), 0.4);
  // "a a a a": bigrams (a,a)×3 → 1 unique of 3: 1/4; trigrams 1 of 2: 1/3; 4-grams 1 of 1: 1/2.
  close(diversity('a a a a'), (1 / 4) * (1 / 3) * (1 / 2));
  // "the cat the cat the": bigrams the-cat, cat-the, the-cat, cat-the → 2 unique of 4: 2/5;
  // trigrams 2 unique of 3: 2/4; 4-grams 2 unique of 2: 2/3.
  close(diversity('the cat the cat the'), (2 / 5) * (2 / 4) * (2 / 3));
  // Punctuation counts as a token: "yes, yes" = [yes , yes] → bigrams 2 of 2: 2/3; trigram 1 of 1: 1/2; no 4-gram: 0/1 → 0.
  close(diversity('yes, yes'), 0);
  // Fewer than n tokens: no n-grams, rep_n = 100, diversity 0 (as in the paper's code).
  close(diversity('hello'), 0);
  close(diversity(''), 0);
});

test('cosine: hand values, zero vectors give null, sizes must agree', () => {
  close(cosine([1, 0], [0, 1])!, 0);
  close(cosine([1, 2, 2], [2, 4, 4])!, 1);
  close(cosine([1, 1], [1, 0])!, 1 / Math.SQRT2);
  close(cosine([3, 4], [-3, -4])!, -1);
  assert.equal(cosine([0, 0], [1, 1]), null);
  assert.throws(() => cosine([1], [1, 2]), /sizes differ/);
});

test('win/tie/loss counting against the reference, and the win-tie rate', () => {
  const pairs: [number, number][] = [
    [1, 0.5], // win
    [0.2, 0.2], // tie
    [0.2, 0.2 + 1e-12], // tie within tolerance
    [-1, 0], // loss
    [3, 2], // win
  ];
  const c = countOutcomes(pairs.map(([a, b]) => compareRewards(a, b)));
  assert.deepEqual({ win: c.win, tie: c.tie, loss: c.loss, n: c.n }, { win: 2, tie: 2, loss: 1, n: 5 });
  close(c.winTie!, 4 / 5);
  assert.equal(countOutcomes([]).winTie, null);
});

test('judge order: a seeded coin per pair (same seed, same order), both orders occur, and verdicts map back to the candidate', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `pair-${i}`);
  const a = keys.map((k) => candidateFirst(7, k));
  assert.deepEqual(keys.map((k) => candidateFirst(7, k)), a, 'same seed and key, same order');
  const firsts = a.filter(Boolean).length;
  // A fair coin over 200 pairs: 100 ± 5σ (σ ≈ 7.1).
  assert.ok(firsts > 65 && firsts < 135, `candidate first in ${firsts}/200`);
  const other = keys.map((k) => candidateFirst(8, k));
  assert.notDeepEqual(other, a, 'another seed, another order');
  assert.equal(judgeOutcome('first', true), 'win');
  assert.equal(judgeOutcome('first', false), 'loss');
  assert.equal(judgeOutcome('second', true), 'loss');
  assert.equal(judgeOutcome('second', false), 'win');
  assert.equal(judgeOutcome('tie', true), 'tie');
});

test('Pareto frontier: the non-dominated (lower cost, higher value) points', () => {
  const pts = [
    { cost: 1, value: 0.5 }, // 0: frontier (cheapest)
    { cost: 2, value: 0.4 }, // 1: dominated by 0
    { cost: 4, value: 0.9 }, // 2: frontier
    { cost: 8, value: 0.9 }, // 3: dominated by 2 (same value, more cost)
    { cost: 16, value: 1.2 }, // 4: frontier
    { cost: NaN, value: 5 }, // 5: no cost: never on it
  ];
  assert.deepEqual(paretoFrontier(pts), [0, 2, 4]);
});
