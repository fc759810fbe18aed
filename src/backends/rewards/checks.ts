// The one rule every reward source obeys: one finite score per pair, or an error naming the source.
import { TqError } from '../../core/errors';
import { scoreOf } from '../validate';

/** `numericStrings`: also a plain decimal string (the generic JSON reward only; see validate.ts scoreOf). */
export function finiteScores(values: unknown[], expected: number, source: string, url?: string, numericStrings = false): number[] {
  if (values.length !== expected)
    throw new TqError('reward', `${source}: expected ${expected} score(s), got ${values.length}`, { url });
  return values.map((v, index) => scoreOf(v, { source, index, url, numericStrings }));
}

/** A reward head answers one value per input; vLLM wraps it in one or two arrays. */
export function scalar(v: unknown, source: string, url: string): unknown {
  let x = v;
  while (Array.isArray(x)) {
    if (x.length !== 1)
      throw new TqError('reward', `${source}: expected one score per input, got a vector of ${x.length} values (is the model served as a reward/classification model?)`, { url });
    x = x[0];
  }
  return x;
}
