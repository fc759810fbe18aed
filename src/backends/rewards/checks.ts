// The one rule every reward source obeys: one finite score per pair, or an error naming the source.
import { TqError } from '../../core/errors';

export function finiteScores(values: unknown[], expected: number, source: string, url?: string): number[] {
  if (values.length !== expected)
    throw new TqError('reward', `${source}: expected ${expected} score(s), got ${values.length}`, { url });
  return values.map((v, i) => {
    const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new TqError('reward', `${source}: score ${i} is ${x === undefined ? 'missing' : JSON.stringify(x)}, not a finite number`, { url });
    return x;
  });
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
