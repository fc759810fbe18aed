// Summarises every answer in an eval folder, whichever `tqstar eval` runs wrote them (several sweep families into one
// answers.jsonl): summary.txt / summary.json with each point paired against the baseline alone and Best-of-N's frontier,
// the plots and the HTML report. Usage: node --import tsx bench/eval/summarise.ts DIR [--baseline-tokens] [TITLE]
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareAtEqual, comparisonText } from '../../src/eval/compare';
import { frontierTargets, targetsText } from '../../src/eval/frontier';
import { readRecords, type AnswerRecord, type JudgeRecord } from '../../src/eval/records';
import { htmlReport, plotSpecs } from '../../src/eval/report';
import { KL_NOTE, TARGETS_HEAD } from '../../src/eval/session';
import { summarise, summaryTable } from '../../src/eval/summary';
import { scatterSvg } from '../../src/eval/svg';

const dir = process.argv[2];
if (!dir) throw new Error('usage: summarise.ts DIR [TITLE]');
const title = process.argv[3] ?? dir;
const records = readRecords(join(dir, 'answers.jsonl'));
const answers = records.filter((r): r is AnswerRecord => r.kind === 'answer');
const judged = records.filter((r): r is JudgeRecord => r.kind === 'judge');
const ref = answers.find((a) => a.strategy === 'baseline')?.point ?? null;
const summary = summarise(answers, judged, ref);
const targets = frontierTargets(summary, answers);
const commands = existsSync(join(dir, 'COMMANDS')) ? readFileSync(join(dir, 'COMMANDS'), 'utf8').trim().split('\n') : [];
const notes = [
  `every answer in ${dir}/answers.jsonl (${answers.length}), from these runs: ${commands.join(' ; ') || '(not recorded)'}`,
  'held-out score: fluency = log π_base(y|x) per output token (never optimised by any strategy)',
  KL_NOTE,
];
const table = summaryTable(summary);
const comparison = comparisonText(compareAtEqual(summary));
const tt = targetsText(targets);
writeFileSync(join(dir, 'summary.txt'), `${title}\n\n${table}\n\n${TARGETS_HEAD}\n${tt}\n` + (comparison ? `\nTQ* against each peer's best point at ≤ its compute and at ≤ its KL (Δ = TQ* − peer ± SE):\n${comparison}\n` : ''));
writeFileSync(
  join(dir, 'summary.json'),
  JSON.stringify({ notes, ...summary, targets: targets.map((t) => ({ point: t.point.point, label: t.point.label, vsBaseline: t.vsBaseline, heldOutVsBaseline: t.heldOutVsBaseline, vsBon: t.vsBon })) }, null, 2) + '\n',
);
plotSpecs(summary).forEach((spec, k) => writeFileSync(join(dir, `plot-${spec.id ?? k}.svg`), scatterSvg(spec) + '\n'));
writeFileSync(join(dir, 'report.html'), htmlReport(summary, answers, { title, notes, generated: new Date().toISOString(), comparison, targets: tt }));
process.stdout.write(`${table}\n\n${tt}\n`);
