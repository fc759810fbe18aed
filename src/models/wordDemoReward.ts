// The demo reward "demo-sentiment": AFINN sentiment (the `sentiment` package), squashed, plus a politeness bonus.
import Sentiment from 'sentiment';

const analyzer = new Sentiment();

// Courtesy words AFINN scores weakly or not at all; each counts once per text.
const POLITE = [/\bplease\b/i, /\bthank(s| you)\b/i, /\bappreciate/i, /\bkindly\b/i, /\bgrateful\b/i, /\bsorry\b/i, /\bwould you mind\b/i];

/**
 * r(text) = tanh(AFINN score / 4) + 0.25 · (number of courtesy markers, at most 4), in [−1, 2].
 * tanh keeps one very strong word from dominating; the bonus makes "polite" count apart from "positive".
 */
export function demoSentiment(text: string): number {
  const afinn = analyzer.analyze(text).score;
  const polite = Math.min(4, POLITE.filter((re) => re.test(text)).length);
  return Math.tanh(afinn / 4) + 0.25 * polite;
}

// Courtesy markers of r_BL: a broader list than the sentiment bonus's, and no sentiment at all.
const COURTESY = [
  /\bplease\b/i, /\bthank(s| you)\b/i, /\bsorry\b/i, /\bapologi[sz]e/i, /\bappreciate/i, /\bkindly\b/i,
  /\bgrateful\b/i, /\bwould you mind\b/i, /\bcould you\b/i, /\bhave a (nice|good|great|lovely) day\b/i,
  /\byou('re| are) welcome\b/i, /\bmy pleasure\b/i, /\bexcuse me\b/i, /\bhappy to help\b/i,
];

/**
 * r_BL(text) = 0.25 · (number of distinct courtesy markers, at most 4), in [0, 1]: politeness only.
 * It is the tiny models' second reward (the dpo-politeness model is aligned to it, for indirect transfer):
 * "Sorry, the refund is late, thank you for waiting." scores 0.5 here but is not positive, while
 * "Great food!" scores 0 here and high under demoSentiment, so the two rewards rank texts differently.
 */
export function demoPoliteness(text: string): number {
  return 0.25 * Math.min(4, COURTESY.filter((re) => re.test(text)).length);
}
