// The evaluation panel's words for a VS Code user: notes without source-file paths or CLI flags, and short point tags for the plots.
import type { EvalPointView } from './evalProtocol';

/**
 * The session's notes as the panel shows them: references to source files dropped, and the
 * critical-path note (a `tqstar eval --latency` option, which the editor command does not offer) left out.
 */
export function productNotes(notes: readonly string[]): string[] {
  return notes
    .filter((n) => !/^critical path: not computed/.test(n))
    .map((n) => n.replace(/\s*\((?:see )?src\/[\w/.-]+\.ts\)/g, '').replace(/\s*src\/[\w/.-]+\.ts/g, '').replace(/\bgive --[a-z-]+(?: [A-Z]+)?\b/g, '').trim());
}

/** KL estimator kinds, each with a one-letter marker the KL plot writes beside its points. */
export const ESTIMATOR_MARKS: Record<string, string> = { exact: 'E', 'plug-in': 'P', plugin: 'P', upper: 'U', bound: 'B' };

/** "α=2 · U": the swept values of a point (alpha written α) and its KL estimators' markers. */
export function pointTag(p: Pick<EvalPointView, 'label' | 'strategy' | 'kl'>): string {
  const swept = p.label.startsWith(p.strategy) ? p.label.slice(p.strategy.length).trim() : '';
  const values = swept.replace(/\balpha=/g, 'α=');
  const marks = (p.kl?.estimators ?? []).map((e) => ESTIMATOR_MARKS[e] ?? e[0]?.toUpperCase() ?? '?').join('+');
  return [values, marks].filter(Boolean).join(' · ');
}
