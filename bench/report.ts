// The bench's printed table and its verdict against the targets of docs/performance.md.
import type { RowResult } from './aggregate';
import type { CompareMeasure } from './measure';

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

export function table(rows: RowResult[]): string {
  const head = ['row', 'reward ± se', 'exact obj (est)', 'req/step (w/o detok)', 'req/tok', 'gen tok/tok', 'KiB recv/tok', 'wall ms/tok', 'CP ms/tok', 'wall/CP', 'cpu ms/step', 'client ms/step', 'server ms/step', 'RSS MB'];
  const body = rows.map((r) => [
    r.id,
    `${f(r.reward.mean, 3)} ± ${f(r.reward.se, 3)} (n=${r.reward.n})`,
    r.exact ? `${f(r.exact.objective, 3)} (${r.exact.objectiveEstimate ? `${f(r.exact.objectiveEstimate.mean, 3)}±${f(r.exact.objectiveEstimate.se, 3)}` : '—'})` : '',
    `${f(r.httpRequestsPerStep)} (${f(r.modelRequestsPerStep)})`,
    f(r.httpRequestsPerOutputToken),
    f(r.generatedTokensPerOutputToken, 1),
    f(r.bytesReceivedPerOutputToken / 1024, 1),
    f(r.timing?.wallMsPerOutputToken, 0),
    f(r.timing?.criticalPathMsPerOutputToken, 0),
    f(r.timing?.wallOverCriticalPath),
    f(r.decoderCpuMsPerStep, 3),
    f(r.clientCpuMsPerStep, 2),
    f(r.serverCpuMsPerStep, 1),
    f(r.peakRssMb, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const bias = rows
    .filter((r) => r.exact?.qError)
    .map((r) => `  ${r.id}: Q̂ − Q* = ${f(r.exact!.qError!.mean, 4)} ± ${f(r.exact!.qError!.se, 4)} over ${r.exact!.qError!.n} candidates`);
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ...(bias.length ? ['', 'tabular direct rows, bias of Q̂ against the exact Q*_r:', ...bias] : [])].join('\n');
}

export interface TargetCheck {
  target: string;
  row: string;
  measured: string;
  pass: boolean | null;
}

/** docs/performance.md, Targets: the targets, each with the rows it is measured on. */
export function compareTable(cs: Array<{ id: string } & CompareMeasure>): string {
  return [
    'Compare rows (timed pass): wall of each strategy alone, of all in turn, and of all side by side',
    ...cs.map(
      (c) =>
        `  ${c.id}: side by side ${f(c.compareMs / 1000, 1)} s, in turn ${f(c.inTurnMs / 1000, 1)} s, slowest alone ${c.slowest} ${f(c.aloneMs[c.slowest]! / 1000, 1)} s → ${f(c.ratio)}× (alone: ${c.strategies.map((s) => `${s} ${f(c.aloneMs[s]! / 1000, 1)}`).join(', ')})${c.errors.length ? ` — errors: ${c.errors[0]}` : ''}`,
    ),
  ].join('\n');
}

/** Issue 14's targets on the long-answer rows (256 tokens, k = 10, N = 4, H = 20, EOS off). */
function lengthTargets(rows: RowResult[], compares: CompareMeasure[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const row = (id: string) => rows.find((r) => r.id === id);
  const l16 = row('len16/tqstar');
  const l256 = row('len256/tqstar');
  const secs = (r: RowResult) => (r.timing ? (r.timing.wallMsPerOutputToken * r.outputTokensPerRun) / 1000 : NaN);
  if (l256?.timing) out.push({ target: '256-token answer ≤ 60 s, defaults', row: l256.id, measured: `${f(secs(l256), 1)} s (critical path ${f((l256.timing.criticalPathMsPerOutputToken * l256.outputTokensPerRun) / 1000, 1)} s)`, pass: secs(l256) <= 60 });
  for (const r of rows.filter((x) => x.id.startsWith('len256/') && x.timing))
    out.push({ target: 'estimate: critical path with a prefix-caching reward server', row: r.id, measured: `${f((r.timing!.criticalPathWithRewardCacheMsPerOutputToken * r.outputTokensPerRun) / 1000, 1)} s for 256 tokens (${f(r.timing!.criticalPathWithRewardCacheMsPerOutputToken, 0)} ms/tok; the latency model's ${f(r.timing!.criticalPathMsPerOutputToken, 0)})`, pass: null });
  const cpSecs = (r: RowResult) => (r.timing ? (r.timing.criticalPathMsPerOutputToken * r.outputTokensPerRun) / 1000 : NaN);
  // Speculation alone computes the same estimator, so it is judged against the defaults' 60 s too; every speed row against 30 s.
  for (const id of ['len256/speculate', 'len256/speculate2', 'len256/fast', 'len256/fast2']) {
    const r = row(id);
    if (!r?.timing) continue;
    const n = r.speedNotes;
    const measured = `${f(secs(r), 1)} s (critical path ${f(cpSecs(r), 1)} s, ${f(r.timing.criticalPathMsPerOutputToken, 0)} ms/tok); ${n.speculatedSteps} of ${n.steps} steps served by speculation (${n.speculatedSteps - n.speculated2Steps} one step ahead, ${n.speculated2Steps} two)`;
    if (!r.setting.speed.blockAccept && r.setting.speed.skipMass >= 1 && r.setting.speed.coverMass >= 1) out.push({ target: '256-token answer ≤ 60 s, same estimator (speculation only)', row: id, measured, pass: secs(r) <= 60 });
    out.push({ target: '256-token answer ≤ 30 s with speed flags', row: id, measured, pass: secs(r) <= 30 });
    if (!l256) continue;
    const loss = (l256.reward.mean - r.reward.mean) / Math.abs(l256.reward.mean);
    out.push({ target: '≤ 2% loss of mean reward against the default (256 tokens)', row: id, measured: `${f(100 * loss, 1)}% (${f(r.reward.mean, 3)} ± ${f(r.reward.se, 3)} vs ${f(l256.reward.mean, 3)} ± ${f(l256.reward.se, 3)}, n=${r.reward.n})`, pass: r.reward.n >= 8 ? loss <= 0.02 : null });
  }
  if (l16 && l256) {
    const ratio = l256.bytesReceivedPerOutputToken / l16.bytesReceivedPerOutputToken;
    out.push({ target: 'bytes received per token at 256 ≤ 1.5× those at 16', row: l256.id, measured: `${f(ratio)}× (${f(l256.bytesReceivedPerOutputToken / 1024, 1)} vs ${f(l16.bytesReceivedPerOutputToken / 1024, 1)} KiB)`, pass: ratio <= 1.5 });
  }
  if (l256) out.push({ target: 'client CPU < 5 ms per step at 256 tokens (end to end)', row: l256.id, measured: `${f(l256.clientCpuMsPerStep, 1)} ms (decoder alone ${f(l256.decoderCpuMsPerStep, 2)} ms)`, pass: l256.clientCpuMsPerStep < 5 });
  for (const c of compares) out.push({ target: 'a Compare of all strategies ≤ 1.3× its slowest strategy', row: c.strategies.join(','), measured: `${f(c.ratio)}× (${f(c.compareMs / 1000, 1)} s vs ${c.slowest} ${f(c.aloneMs[c.slowest]! / 1000, 1)} s; in turn ${f(c.inTurnMs / 1000, 1)} s)`, pass: c.ratio <= 1.3 });
  return out;
}

export function checkTargets(rows: RowResult[], compares: CompareMeasure[] = []): TargetCheck[] {
  const out: TargetCheck[] = lengthTargets(rows, compares);
  for (const r of rows.filter((x) => !x.reference && x.strategy === 'tqstar')) {
    const limit = r.setting.transfer === 'indirect' ? 4 : 3;
    out.push({
      target: `requests per step ≤ ${limit} (${r.setting.transfer})`,
      row: r.id,
      measured: `${f(r.httpRequestsPerStep)} (after the first step ${f(r.httpRequestsPerLaterStep)}; without token-text look-ups ${f(r.modelRequestsPerStep)})`,
      // Rows with reuse off are there to show what reuse saves; the target is the default decoder's.
      pass: r.setting.speed.reuseRollouts ? r.httpRequestsPerStep <= limit : null,
    });
    if (r.timing) out.push({ target: 'wall time ≤ 1.2 × critical path', row: r.id, measured: `${f(r.timing.wallOverCriticalPath)}×`, pass: r.timing.wallOverCriticalPath <= 1.2 });
  }
  for (const world of ['demo', 'tabular']) {
    const ref = rows.find((r) => r.world === world && r.reference);
    const fast = rows.find((r) => r.world === world && r.id.endsWith('/fast'));
    if (!ref || !fast) continue;
    const factor = ref.generatedTokensPerOutputToken / fast.generatedTokensPerOutputToken;
    const loss = (ref.reward.mean - fast.reward.mean) / Math.abs(ref.reward.mean);
    out.push({ target: '≥ 5× fewer model tokens per output token than the reference (adaptive + block)', row: fast.id, measured: `${f(factor, 1)}×`, pass: world === 'demo' ? factor >= 5 : null });
    out.push({
      target: '≤ 2% loss of mean reward vs the reference (adaptive + block)',
      row: fast.id,
      measured: `${f(100 * loss, 1)}% (reference ${f(ref.reward.mean, 3)} ± ${f(ref.reward.se, 3)}, fast ${f(fast.reward.mean, 3)} ± ${f(fast.reward.se, 3)})`,
      pass: world === 'demo' ? loss <= 0.02 : null,
    });
  }
  for (const cpuRow of rows.filter((r) => !r.reference && r.strategy === 'tqstar' && r.setting.k === 10 && r.setting.N === 4 && r.setting.H === 20 && r.decoderCpuMsPerStep !== null))
    out.push({ target: 'decoder CPU < 1 ms per step at k=10, N=4, H=20', row: cpuRow.id, measured: `${f(cpuRow.decoderCpuMsPerStep, 3)} ms`, pass: cpuRow.decoderCpuMsPerStep! < 1 });
  return out;
}

export function targetsText(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.pass === null ? 'info' : c.pass ? 'PASS' : 'MISS'}  ${c.target} — ${c.row}: ${c.measured}`).join('\n');
}
