// The eval's JSONL: one line per finished answer or judge verdict, appended as each finishes, read back to resume.
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readBoundedText } from '../files';
import { z } from 'zod';
import { STRATEGY_NAMES, type StrategyName } from '../config/schema';
import type { KlValue } from './kl';
import type { Verdict } from './clients';
import type { Outcome } from './metrics';

export interface AnswerRecord {
  kind: 'answer';
  /** Identity of the item (config endpoints, strategy, the settings it reads, prompt, seed): resume skips keys it has. */
  key: string;
  /** Identity of the point on the plots: strategy + the settings it reads. */
  point: string;
  label: string;
  strategy: StrategyName;
  /** The swept settings this strategy reads (the point's coordinates in the sweep). */
  swept: Record<string, unknown>;
  promptId: string;
  prompt: string;
  seed: number;
  /** The seed the decoder ran with (src/eval/runner.ts decodeSeed). */
  decodeSeed: number;
  text: string;
  finish: string;
  error?: string;
  reward: number | null;
  /** Under the baseline reward r_BL, when the config has one. */
  baselineReward: number | null;
  /** Response tokens, plus one for the EOS decision when it ended by EOS. */
  outputTokens: number;
  /** The core's count: generated plus scored model tokens (RunStats.modelTokens). */
  modelTokens: number;
  requests: number;
  rewardCalls: number;
  rewardInputs: number;
  wallMs: number;
  /** The latency model's critical path of this answer's own requests (ms; `--latency` on a built-in world); absent or null otherwise. */
  criticalPathMs?: number | null;
  /** log π_base(y|x) of the answer, scored on the base model after the decode (not part of its cost). */
  logBase: number | null;
  kl: KlValue | null;
  diversity: number;
  coherence: number | null;
  /**
   * The held-out score: one the decoder never saw (src/eval/heldOut.ts), e.g. fluency = log π_base(y|x) per
   * output token, or a second reward. Absent in records written before it existed (fluency is then derived from logBase).
   */
  heldOut?: { name: string; value: number | null };
  /** Steps the gate decided on (StepDiagnostics.steered set) and how many of them were steered; absent for strategies without a gate. */
  steered?: { gated: number; steered: number };
  /** Tabular models: E[r], KL and E[r] − β·KL of the policy the strategy converges to, by enumeration (the same for every seed). */
  exact: { reward: number; kl: number; objective: number } | null;
}

export interface JudgeRecord {
  kind: 'judge';
  key: string;
  point: string;
  reference: string;
  promptId: string;
  seed: number;
  candidateFirst: boolean;
  verdict: Verdict;
  outcome: Outcome;
}

export type EvalRecord = AnswerRecord | JudgeRecord;

/** The largest answers.jsonl read back (about 200,000 answers); a larger file is refused, not read into memory. */
export const RECORDS_LIMIT = 512 * 2 ** 20;

const finite = z.number().refine(Number.isFinite, 'not a finite number');
const nullableNumber = z.union([finite, z.null()]);
const KlValueSchema = z.object({ value: finite, estimator: z.enum(['exact', 'plug-in', 'upper', 'bound']) });
// Unknown keys are kept (records written by a newer version), known ones must have their types.
const AnswerSchema = z.looseObject({
  kind: z.literal('answer'),
  key: z.string(),
  point: z.string(),
  label: z.string(),
  strategy: z.enum(STRATEGY_NAMES),
  swept: z.record(z.string(), z.unknown()),
  promptId: z.string(),
  prompt: z.string(),
  seed: z.number().int(),
  decodeSeed: z.number().int(),
  text: z.string(),
  finish: z.string(),
  error: z.string().optional(),
  reward: nullableNumber,
  baselineReward: nullableNumber,
  outputTokens: finite,
  modelTokens: finite,
  requests: finite,
  rewardCalls: finite,
  rewardInputs: finite,
  wallMs: finite,
  criticalPathMs: nullableNumber.optional(),
  logBase: nullableNumber,
  kl: z.union([KlValueSchema, z.null()]),
  diversity: finite,
  coherence: nullableNumber,
  exact: z.union([z.object({ reward: finite, kl: finite, objective: finite }), z.null()]),
  heldOut: z.object({ name: z.string(), value: nullableNumber }).optional(),
  steered: z.object({ gated: z.number().int().min(0), steered: z.number().int().min(0) }).refine((x) => x.steered <= x.gated, 'steered > gated').optional(),
});
const JudgeSchema = z.looseObject({
  kind: z.literal('judge'),
  key: z.string(),
  point: z.string(),
  reference: z.string(),
  promptId: z.string(),
  seed: z.number().int(),
  candidateFirst: z.boolean(),
  verdict: z.enum(['first', 'second', 'tie']),
  outcome: z.enum(['win', 'tie', 'loss']),
});
const RecordSchema = z.discriminatedUnion('kind', [AnswerSchema, JudgeSchema]);

/** A records file that cannot be read back at all (not a regular file, too large). */
export class RecordsFileError extends Error {}

/** The file's text, refusing what is not a regular file (a directory, a FIFO, a device behind a link) and files over the limit. */
function readRecordsText(path: string, limit: number): string {
  return readBoundedText(
    path,
    limit,
    (r) =>
      r.why === 'unreadable'
        ? (r.error as Error)
        : new RecordsFileError(
            r.why === 'too-large' ? `${path} is larger than ${limit} bytes; give another --out folder` : `${path} is not a regular file${r.link ? ' (a link to one that is not)' : ''}; move it away or give another --out folder`,
          ),
    { regularOnly: true },
  );
}

/** Why a line was skipped: its line number and what was wrong. */
export interface SkippedRecord {
  line: number;
  why: string;
}

/**
 * Every valid record of a JSONL file. A record file may come from elsewhere (copied, shared, edited):
 * each line is checked against the record schema, and a line that is not valid JSON or not a valid
 * record is skipped (its item is redone) and reported through `onSkip`; a line cut short by an
 * interrupted write is the common case. Throws RecordsFileError for a file that is not a regular file
 * or is over `limit` bytes.
 */
export function readRecords(path: string, onSkip?: (s: SkippedRecord) => void, limit = RECORDS_LIMIT): EvalRecord[] {
  if (!existsSync(path)) return [];
  const out: EvalRecord[] = [];
  readRecordsText(path, limit).split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      onSkip?.({ line: i + 1, why: 'not valid JSON (an interrupted write?)' });
      return;
    }
    const r = RecordSchema.safeParse(json);
    if (r.success) out.push(r.data as EvalRecord);
    else {
      const issue = r.error.issues[0]!;
      onSkip?.({ line: i + 1, why: `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}` });
    }
  });
  return out;
}

/** Appends one record as one line, synchronously, so a Ctrl-C right after it still keeps it. */
export function appendRecord(path: string, r: EvalRecord): void {
  appendFileSync(path, JSON.stringify(r) + '\n');
}

/** Ends a file cut short mid-line with a newline, so the next record starts on a line of its own. */
export function repairTail(path: string): void {
  if (!existsSync(path)) return;
  const st = statSync(path);
  // Never read or append to what is not a regular file: readRecords says why.
  if (!st.isFile() || st.size === 0) return;
  const last = Buffer.alloc(1);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, last, 0, 1, st.size - 1);
  } finally {
    closeSync(fd);
  }
  if (last[0] !== 0x0a) appendFileSync(path, '\n');
}
