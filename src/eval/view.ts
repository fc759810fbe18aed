// What the evaluation webview shows, from a session's summary and answers (plain data, JSON-safe).
import type { EvalView } from '../webview/evalProtocol';
import type { AnswerRecord } from './records';
import { plotSpecs } from './report';
import { summarise, type EvalSummary } from './summary';

export const ANSWERS_PER_POINT = 200;

/** NaN and ±Infinity become null (JSON has neither), recursively. */
function jsonSafe<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as T;
}

export function evalView(title: string, notes: string[], complete: boolean, summary: EvalSummary, answers: readonly AnswerRecord[]): EvalView {
  const byPoint: EvalView['answers'] = {};
  for (const a of answers) {
    const list = (byPoint[a.point] ??= []);
    if (list.length < ANSWERS_PER_POINT) list.push({ promptId: a.promptId, seed: a.seed, prompt: a.prompt, text: a.text, reward: a.reward, kl: a.kl?.value ?? null, finish: a.error ?? a.finish });
  }
  return jsonSafe({ title, notes, complete, reference: summary.reference, points: summary.points, plots: plotSpecs(summary, false, false), answers: byPoint });
}

/** The evaluation panel's live table while it runs: every point's summary over the answers finished so far (no judge, no plots, no answers). */
export function partialView(answers: readonly AnswerRecord[]): EvalView {
  return { ...evalView('Evaluation — running', [], false, summarise(answers, [], null), []), plots: [], answers: {} };
}
