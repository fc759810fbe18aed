// r_BL of the tiny models (demoPoliteness): courtesy markers only, and a ranking different from demoSentiment's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPoliteness, demoSentiment } from '../../src/models/wordDemoReward';

test('demoPoliteness counts distinct courtesy markers, 0.25 each, at most 4', () => {
  assert.equal(demoPoliteness('The food was cold.'), 0);
  assert.equal(demoPoliteness('Thank you.'), 0.25);
  assert.equal(demoPoliteness('Thanks, thanks, thanks!'), 0.25);
  assert.equal(demoPoliteness('Sorry, could you please wait?'), 0.75);
  assert.equal(demoPoliteness('Excuse me, would you mind helping? Thank you, I appreciate it.'), 1);
  assert.equal(demoPoliteness('Please, sorry, thank you, kindly, grateful, my pleasure, have a nice day.'), 1);
  assert.equal(demoPoliteness('We apologise. You are welcome. Happy to help.'), 0.75);
});

test('markers match whole words only, case-insensitively', () => {
  assert.equal(demoPoliteness('PLEASE help'), 0.25);
  assert.equal(demoPoliteness('a pleased thankful sorrowful crowd'), 0);
});

test('it ranks texts differently from demoSentiment: politeness is not positivity', () => {
  const courteousBadNews = 'Sorry, the refund is late, thank you for waiting.';
  const happyAndBlunt = 'Great food, amazing staff, perfect evening!';
  assert.ok(demoPoliteness(courteousBadNews) > demoPoliteness(happyAndBlunt));
  assert.ok(demoSentiment(happyAndBlunt) > demoSentiment(courteousBadNews));
});
