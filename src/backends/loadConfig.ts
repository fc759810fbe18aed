// Validates a run configuration (CLI config file or settings) into RunConfig, naming the exact key on error.
import { RunConfig } from '../config/schema';
import { TqError } from '../core/errors';

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  options?: unknown[];
  input?: unknown;
}

function keyPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** One issue as "key.path: what is wrong", in plain words. */
export function describeIssue(issue: Issue): { path: string; text: string } {
  let path = keyPath(issue.path);
  let what: string;
  switch (issue.code) {
    case 'too_big':
      what = `must be ${issue.inclusive === false ? '<' : '≤'} ${issue.maximum}`;
      break;
    case 'too_small':
      what = `must be ${issue.inclusive === false ? '>' : '≥'} ${issue.minimum}`;
      break;
    case 'invalid_type':
      what = issue.message.includes('received undefined') ? `is required (${issue.expected})` : `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
      break;
    case 'invalid_value':
      what = `must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys': {
      const k = issue.keys ?? [];
      path = keyPath([...issue.path, k[0] ?? '?']);
      what = `unknown key${k.length > 1 ? `s ${k.map((x) => `"${x}"`).join(', ')}` : ''} (check the spelling; allowed keys are listed in docs/cli.md, Config file)`;
      break;
    }
    case 'invalid_union':
      what = (issue.options?.length ? `must be one of ${issue.options.map((v) => JSON.stringify(v)).join(', ')}` : issue.message);
      break;
    default:
      what = issue.message;
  }
  return { path: path || '(top level)', text: what };
}

/** A schema's issues (zod's `error.issues`), each as "key.path: what is wrong". */
export function describeIssues(issues: readonly unknown[]): Array<{ path: string; text: string }> {
  return (issues as unknown as Issue[]).map(describeIssue);
}

/** RunConfig from unknown JSON; TqError kind 'config' whose message names the exact key path(s). */
export function loadRunConfig(json: unknown): RunConfig {
  const r = RunConfig.safeParse(json);
  if (r.success) return r.data;
  const issues = describeIssues(r.error.issues);
  const first = issues[0]!;
  const message = issues.map((i) => `${i.path}: ${i.text}`).join('\n');
  throw new TqError('config', message, { setting: first.path === '(top level)' ? undefined : `tqstar.${first.path}` });
}
