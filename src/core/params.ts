// Decoding parameters: parsing with defaults from the one schema (src/config/schema.ts).
import { DecodingParams } from '../config/schema';
import { TqError } from './errors';

/** zod parse with defaults; a bad value throws TqError kind 'config' naming the key path. */
export function parseDecodingParams(input: unknown): DecodingParams {
  const r = DecodingParams.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join('.');
  throw new TqError('config', `decoding${path ? '.' + path : ''}: ${issue.message}`, { setting: `tqstar.decoding${path ? '.' + path : ''}` });
}
