// What `tqstar decode` prints: the reward-ranked table, and the --json object (a public interface, see docs/cli.md).
import type { DecodeResult, RunResult } from '../core/events';
import { terminalLine } from './terminalText';

/** The documented --json shape: one object for the whole run. */
/** `setupRequests`: HTTP requests sent before the run (probe, tokenizer, EOS), counted in stats.requests too. */
export function toJson(run: RunResult, warnings: string[], setupRequests = 0): unknown {
  return {
    results: run.results.map((r) => ({
      strategy: r.strategy,
      text: r.text,
      reward: r.reward,
      finish: r.finish,
      ...(r.error ? { error: r.error } : {}),
      warnings: r.warnings,
      stats: r.stats,
      steps: r.steps.map((s) => ({
        index: s.index,
        chosen: { id: s.chosen.id, text: s.chosen.text },
        accepted: s.accepted.map((t) => ({ id: t.id, text: t.text })),
        ...(s.note ? { note: s.note } : {}),
        requests: s.requests,
        modelTokens: s.modelTokens,
        wallMs: s.timing.wallMs,
        candidates: s.candidates.map((c) => ({
          id: c.id,
          text: c.text,
          logprobBase: finiteOrNull(c.logprobBase),
          logprobBaseline: finiteOrNull(c.logprobBaseline),
          q: finiteOrNull(c.q),
          qStderr: finiteOrNull(c.qStderr),
          ess: finiteOrNull(c.ess),
          score: finiteOrNull(c.score),
          selectProb: c.selectProb,
          chosen: c.chosen,
          rollouts: c.rollouts.map((r) => ({ text: r.text, reward: r.reward, ...(r.weight !== undefined ? { weight: r.weight } : {}) })),
          ...(c.flags?.length ? { flags: c.flags } : {}),
        })),
      })),
    })),
    stats: { requests: run.stats.requests + setupRequests, setupRequests, modelTokens: run.stats.modelTokens, wallMs: Math.round(run.stats.wallMs) },
    warnings,
  };
}

// JSON has no −Infinity: a log-probability of a token the model rules out is written as null.
function finiteOrNull(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : x;
}

/** One line of text for a table cell: control and bidi characters escaped, long texts cut. */
export function oneLine(text: string, max = 72): string {
  // JSON.stringify escapes C0 controls only; C1 (U+009B is a CSI) and bidi controls need the rest.
  const s = terminalLine(JSON.stringify(text).slice(1, -1));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface Column {
  title: string;
  cell: (r: DecodeResult, rank: number) => string;
  right?: boolean;
}

export function table(results: DecodeResult[], columns: Column[]): string {
  const rows = results.map((r, i) => columns.map((c) => c.cell(r, i + 1)));
  const widths = columns.map((c, j) => Math.max(c.title.length, ...rows.map((row) => [...row[j]!].length)));
  const fmt = (cells: string[]) => cells.map((s, j) => (columns[j]!.right ? s.padStart(widths[j]!) : s.padEnd(widths[j]!))).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.title)), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

export const COLUMNS: Column[] = [
  { title: '#', cell: (_r, i) => String(i), right: true },
  { title: 'strategy', cell: (r) => r.strategy },
  { title: 'reward', cell: (r) => (r.reward === null ? '—' : r.reward.toFixed(4)), right: true },
  { title: 'finish', cell: (r) => r.finish },
  { title: 'requests', cell: (r) => String(r.stats.requests), right: true },
  { title: 'tokens', cell: (r) => String(r.stats.modelTokens), right: true },
  { title: 'time', cell: (r) => `${(r.stats.wallMs / 1000).toFixed(2)}s`, right: true },
  { title: 'text', cell: (r) => oneLine(r.text) },
];

/** Errors and warnings under the table, one line each: their text can come from a server, so it is escaped. */
export function footnotes(results: DecodeResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.error) out.push(terminalLine(`${r.strategy}: ${r.error.kind} error: ${r.error.message}${r.error.setting ? ` (setting: ${r.error.setting})` : ''}`));
    for (const w of r.warnings) out.push(terminalLine(`${r.strategy}: warning: ${w}`));
  }
  return [...new Set(out)];
}
