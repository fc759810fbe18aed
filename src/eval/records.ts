// The eval's JSONL: one line per finished answer or judge verdict, appended as each finishes, read back to resume.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { StrategyName } from '../config/schema';
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

/** Every complete record of a JSONL file; a line cut short by an interrupted write is skipped (its item is redone). */
export function readRecords(path: string): EvalRecord[] {
  if (!existsSync(path)) return [];
  const out: EvalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as EvalRecord;
      if ((r.kind === 'answer' || r.kind === 'judge') && typeof r.key === 'string') out.push(r);
    } catch {
      /* a torn last line: not finished */
    }
  }
  return out;
}

/** Appends one record as one line, synchronously, so a Ctrl-C right after it still keeps it. */
export function appendRecord(path: string, r: EvalRecord): void {
  appendFileSync(path, JSON.stringify(r) + '\n');
}

/** Ends a file cut short mid-line with a newline, so the next record starts on a line of its own. */
export function repairTail(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  if (text.length && !text.endsWith('\n')) appendFileSync(path, '\n');
}
