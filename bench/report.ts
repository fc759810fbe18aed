// The bench's printed table and its verdict against README's Performance targets.
import type { RowResult } from './aggregate';

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

export function table(rows: RowResult[]): string {
  const head = ['row', 'reward ± se', 'exact obj (est)', 'req/step (w/o detok)', 'req/tok', 'gen tok/tok', 'wall ms/tok', 'CP ms/tok', 'wall/CP', 'cpu ms/step', 'client ms/step', 'server ms/step', 'RSS MB'];
  const body = rows.map((r) => [
    r.id,
    `${f(r.reward.mean, 3)} ± ${f(r.reward.se, 3)} (n=${r.reward.n})`,
    r.exact ? `${f(r.exact.objective, 3)} (${r.exact.objectiveEstimate ? `${f(r.exact.objectiveEstimate.mean, 3)}±${f(r.exact.objectiveEstimate.se, 3)}` : '—'})` : '',
    `${f(r.httpRequestsPerStep)} (${f(r.modelRequestsPerStep)})`,
    f(r.httpRequestsPerOutputToken),
    f(r.generatedTokensPerOutputToken, 1),
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

/** README, Performance: the issue's targets, each with the rows it is measured on. */
export function checkTargets(rows: RowResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
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
