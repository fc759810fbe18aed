// Mean reward per point of `tqstar eval` runs, and each point's paired difference against the first, from their answers.jsonl.
// Usage: node --import tsx bench/paired.ts DIR_OR_JSONL... (the first point read is the reference)
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, type AnswerRecord } from '../src/eval/records';
import { meanSe } from './stats';

type Answer = AnswerRecord;

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** The answers of one eval run (its folder or its answers.jsonl), as `tqstar eval` itself reads them to resume. */
function read(path: string): Answer[] {
  const file = statSync(path).isDirectory() ? join(path, 'answers.jsonl') : path;
  return readRecords(file).filter((r): r is Answer => r.kind === 'answer');
}

function main(): void {
  const paths = process.argv.slice(2);
  if (!paths.length) throw new Error('usage: bench/paired.ts DIR_OR_JSONL...');
  const points = new Map<string, { label: string; byItem: Map<string, Answer> }>();
  for (const p of paths)
    for (const a of read(p)) {
      let pt = points.get(a.point);
      if (!pt) points.set(a.point, (pt = { label: `${a.label} (${p})`, byItem: new Map() }));
      pt.byItem.set(`${a.promptId}#${a.seed}`, a);
    }
  const [ref, ...rest] = [...points.values()];
  if (!ref) throw new Error('no answers');
  const rewards = (pt: typeof ref) => [...pt.byItem.values()].map((a) => a.reward).filter((r): r is number => r !== null);
  const line = (pt: typeof ref) => {
    const r = meanSe(rewards(pt));
    const tok = [...pt.byItem.values()];
    const mtok = tok.reduce((n, a) => n + a.modelTokens, 0) / Math.max(1, tok.reduce((n, a) => n + a.outputTokens, 0));
    return `${pt.label}: reward ${f(r.mean)} ± ${f(r.se)} (n=${r.n}), model tokens / output token ${f(mtok, 0)}`;
  };
  console.log(`reference  ${line(ref)}`);
  const refMean = meanSe(rewards(ref)).mean;
  for (const pt of rest) {
    const d: number[] = [];
    for (const [item, a] of pt.byItem) {
      const b = ref.byItem.get(item);
      if (a.reward !== null && b?.reward !== null && b?.reward !== undefined) d.push(a.reward - b.reward);
    }
    const m = meanSe(d);
    console.log(`point      ${line(pt)}`);
    console.log(`           paired difference vs reference: ${f(m.mean)} ± ${f(m.se)} over ${m.n} (prompt, seed) pairs = ${f((100 * m.mean) / Math.abs(refMean), 1)}% ± ${f((100 * m.se) / Math.abs(refMean), 1)}%`);
  }
}

main();
