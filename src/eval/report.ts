// The eval's plots (specs from a summary) and its self-contained HTML report: tables, inline SVG, every answer as text.
import type { AnswerRecord } from './records';
import { esc, scatterSvg, type PlotSeries, type PlotSpec } from './svg';
import { fmtMeanSe, fmtWtl, type EvalSummary, type PointSummary } from './summary';

function series(s: EvalSummary, point: (p: PointSummary) => { x: number; y: number; xErr?: number | null; yErr?: number | null; frontier: boolean } | null): PlotSeries[] {
  const by = new Map<string, PlotSeries>();
  for (const p of s.points) {
    const v = point(p);
    if (!v) continue;
    let ser = by.get(p.strategy);
    if (!ser) by.set(p.strategy, (ser = { name: p.strategy, cls: p.strategy, points: [] }));
    ser.points.push({ ...v, id: p.point, label: p.label });
  }
  // A series swept over more than one knob has no single curve to draw.
  for (const ser of by.values()) {
    const pts = s.points.filter((p) => p.strategy === ser.name);
    const keys = new Set(pts.flatMap((p) => Object.keys(p.swept)));
    const varying = [...keys].filter((k) => new Set(pts.map((p) => JSON.stringify(p.swept[k]))).size > 1);
    ser.connect = varying.length <= 1;
  }
  return [...by.values()];
}

/** Reward against model tokens per output token (log x), reward against KL, and on tabular models the exact reward against the exact KL. */
export function plotSpecs(s: EvalSummary, links = false, embedStyle = true): PlotSpec[] {
  const specs: PlotSpec[] = [
    {
      id: 'compute',
      title: 'Reward against compute',
      xLabel: 'model tokens per output token',
      yLabel: 'mean reward',
      logX: true,
      links,
      embedStyle,
      series: series(s, (p) => (p.reward && p.cost.modelTokensPerOutputToken > 0 ? { x: p.cost.modelTokensPerOutputToken, y: p.reward.mean, yErr: p.reward.se, frontier: p.frontier.cost } : null)),
    },
    {
      id: 'kl',
      title: 'Reward against KL(π_decoded ‖ π_base)',
      xLabel: 'KL estimate along the answer (nats)',
      yLabel: 'mean reward',
      links,
      embedStyle,
      series: series(s, (p) => (p.reward && p.kl ? { x: p.kl.mean, y: p.reward.mean, xErr: p.kl.se, yErr: p.reward.se, frontier: p.frontier.kl } : null)),
    },
  ];
  if (s.points.some((p) => p.heldOut))
    specs.push({
      id: 'heldout',
      title: `Held-out score (${[...new Set(s.points.flatMap((p) => (p.heldOut ? [p.heldOut.name] : [])))].join('+')}) against compute`,
      xLabel: 'model tokens per output token',
      yLabel: 'mean held-out score (never optimised)',
      logX: true,
      links,
      embedStyle,
      series: series(s, (p) => (p.heldOut && p.cost.modelTokensPerOutputToken > 0 ? { x: p.cost.modelTokensPerOutputToken, y: p.heldOut.mean, yErr: p.heldOut.se, frontier: false } : null)),
    });
  if (s.points.some((p) => p.exact))
    specs.push({
      id: 'exact',
      title: 'Exact E[r] against exact KL (tabular models, limit policies)',
      xLabel: 'exact KL (nats)',
      yLabel: 'exact E[r]',
      links,
      embedStyle,
      series: series(s, (p) => (p.exact ? { x: p.exact.kl, y: p.exact.reward, frontier: false } : null)),
    });
  return specs;
}

export interface ReportMeta {
  title: string;
  /** Lines describing the run: models, reward, embeddings, judge, prompt set, seeds, KL estimators. */
  notes: string[];
  generated: string;
  /** TQ* against each peer at equal compute and KL (compare.ts), shown as text. */
  comparison?: string;
  /** Paired differences against the baseline alone and Best-of-N's frontier (frontier.ts), shown as text. */
  targets?: string;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1200px;color:#222;background:#fff}
@media (prefers-color-scheme: dark){body{color:#ddd;background:#1e1e1e}a{color:#8ab4f8}}
table{border-collapse:collapse;margin:12px 0;font-size:12px}th,td{border:1px solid #8886;padding:3px 6px;text-align:right}th:first-child,td:first-child{text-align:left}
td.text{text-align:left;white-space:pre-wrap;font-family:ui-monospace,monospace;max-width:640px}.plots{display:flex;flex-wrap:wrap;gap:16px}.note{opacity:.8}
details{margin:6px 0}summary{cursor:pointer}`;

function summaryRows(s: EvalSummary): string {
  const ref = s.points.find((p) => p.point === s.reference)?.label ?? '—';
  const head = ['point', 'n', 'reward', 'r_BL', 'KL (estimator)', 'exact E[r]', 'exact KL', 'exact obj.', `W/T/L vs ${ref}`, 'win-tie', 'judge W/T/L', 'diversity', 'distinct answers', 'coherence', 'held-out', 'tok/out', 'req/ans', 'reward calls/ans', 'reward inputs/out', 'ms/ans', 'critical path ms/ans', 'critical path ms/out', 'frontier'];
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const rows = [...s.points]
    .sort((a, b) => (b.reward?.mean ?? -Infinity) - (a.reward?.mean ?? -Infinity))
    .map((p) =>
      [
        `<a href="#p-${esc(p.point)}">${esc(p.label)}</a>`,
        `${p.answers - p.errors}${p.errors ? ` (+${p.errors} errors)` : ''}`,
        fmtMeanSe(p.reward),
        fmtMeanSe(p.baselineReward),
        p.kl ? `${fmtMeanSe(p.kl, 2)} (${p.kl.estimators.join(', ')})` : '—',
        f(p.exact?.reward),
        f(p.exact?.kl),
        f(p.exact?.objective),
        fmtWtl(p.vsReference),
        p.vsReference?.winTie === null || !p.vsReference ? '—' : `${(p.vsReference.winTie * 100).toFixed(0)}%`,
        fmtWtl(p.judge),
        fmtMeanSe(p.diversity),
        f(p.distinct, 2),
        fmtMeanSe(p.coherence),
        p.heldOut ? `${fmtMeanSe(p.heldOut)} (${p.heldOut.name})` : '—',
        f(p.cost.modelTokensPerOutputToken, 1),
        f(p.cost.requestsPerAnswer, 1),
        f(p.cost.rewardCallsPerAnswer, 1),
        f(p.cost.rewardInputsPerOutputToken, 1),
        f(p.cost.wallMsPerAnswer, 0),
        f(p.cost.criticalPathMsPerAnswer, 0),
        f(p.cost.criticalPathMsPerOutputToken, 1),
        [p.frontier.cost ? 'compute' : '', p.frontier.kl ? 'KL' : ''].filter(Boolean).join(', '),
      ].map((c, i) => (i === 0 ? `<td>${c}</td>` : `<td>${esc(c)}</td>`)),
    );
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

function answersOf(p: PointSummary, answers: readonly AnswerRecord[]): string {
  const as = answers.filter((a) => a.point === p.point);
  const rows = as.map(
    (a) =>
      // Every field is escaped: records read back from answers.jsonl may come from elsewhere.
      `<tr><td>${esc(`${a.promptId} #${a.seed}`)}</td><td class="text">${esc(a.prompt)}</td><td class="text">${esc(a.text)}</td><td>${typeof a.reward === 'number' ? a.reward.toFixed(3) : '—'}</td><td>${a.kl ? esc(`${a.kl.value.toFixed(2)} (${a.kl.estimator})`) : '—'}</td><td>${esc(a.error ?? a.finish)}</td></tr>`,
  );
  return `<details id="p-${esc(p.point)}"><summary>${esc(p.label)} — ${as.length} answers</summary><table><thead><tr><th>prompt</th><th>prompt text</th><th>answer</th><th>reward</th><th>KL</th><th>finish</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

/** One HTML file with no external scripts, styles or fonts; every model output is escaped text. */
export function htmlReport(s: EvalSummary, answers: readonly AnswerRecord[], meta: ReportMeta): string {
  const plots = plotSpecs(s, true).map((p) => scatterSvg(p));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>${esc(meta.title)}</title><style>${CSS}</style></head><body>
<h1>${esc(meta.title)}</h1>
<p class="note">Generated ${esc(meta.generated)} by <code>tqstar eval</code>. Means ± standard errors over prompts × seeds.</p>
<ul class="note">${meta.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>Summary</h2>${summaryRows(s)}
${meta.comparison ? `<h2>TQ* at equal compute and equal KL</h2><p class="note">Each peer's best point that costs no more model tokens per output token / deviates no more (KL estimate) than the TQ* point; Δ = TQ* − peer ± SE.</p><pre>${esc(meta.comparison)}</pre>` : ''}
${meta.targets ? `<h2>Paired against the baseline and Best-of-N's frontier</h2><pre>${esc(meta.targets)}</pre>` : ''}
<h2>Plots</h2><div class="plots">${plots.join('')}</div>
<p class="note">Click a point to open its answers. Dashed: the Pareto frontier (no other point has higher reward at lower or equal cost / KL).</p>
<h2>Answers</h2>${s.points.map((p) => answersOf(p, answers)).join('\n')}
</body></html>
`;
}
