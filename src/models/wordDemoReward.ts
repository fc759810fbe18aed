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
