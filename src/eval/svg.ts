// Scatter plots as self-contained SVG text: labelled axes, log or linear x, error bars, legend, Pareto frontier, clickable points.

export interface PlotPoint {
  x: number;
  y: number;
  /** Standard errors drawn as bars (±1 SE). */
  xErr?: number | null;
  yErr?: number | null;
  /** Identity of the point (data-point attribute; link target #p-ID in the report). */
  id: string;
  label: string;
  frontier?: boolean;
}

export interface PlotSeries {
  name: string;
  /** Class suffix of the series' marks (s-NAME): colours come from a stylesheet, never from style attributes (a webview's CSP blocks those). */
  cls: string;
  points: PlotPoint[];
  /** Join the points left to right (a one-knob sweep reads as a curve; several knobs would zigzag). */
  connect?: boolean;
}

export interface PlotSpec {
  /** The plot's file name part (plot-ID.svg). */
  id?: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  series: PlotSeries[];
  width?: number;
  height?: number;
  /** Wrap each point in <a href="#p-ID"> (the HTML report); the webview uses data-point instead. */
  links?: boolean;
  /** Put the colour rules in the SVG (a standalone file, the HTML report); the webview has them in eval.css. */
  embedStyle?: boolean;
}

/** Series colours: VS Code's chart colours when present (src/webview/eval.css mirrors these), fixed fallbacks elsewhere. */
export const STRATEGY_COLORS: Record<string, string> = {
  tqstar: 'var(--vscode-charts-red, #d62728)',
  bon: 'var(--vscode-charts-blue, #1f77b4)',
  softbon: 'var(--vscode-charts-purple, #9467bd)',
  specrej: 'var(--vscode-terminal-ansiBrightBlue, #3b8eea)',
  smc: 'var(--vscode-terminal-ansiMagenta, #bc3fbc)',
  cd: 'var(--vscode-charts-orange, #ff7f0e)',
  args: 'var(--vscode-charts-green, #2ca02c)',
  baseline: 'var(--vscode-charts-yellow, #b8860b)',
  blockwise: 'var(--vscode-terminal-ansiCyan, #17becf)',
  greedy: 'var(--vscode-descriptionForeground, #7f7f7f)',
  sample: 'var(--vscode-disabledForeground, #aaaaaa)',
};

// C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides, isolates and
// marks that reorder what a reader sees (U+202E makes "gnp.exe" read "exe.png"), plus the line and
// paragraph separators: shown as visible \uXXXX escapes instead of acting on the text around them.
const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text for an SVG/HTML text node or attribute (model output, prompts and labels are untrusted): markup escaped, control and bidi characters made visible. */
export function esc(s: string): string {
  return String(s)
    .replace(UNSAFE_TEXT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** "Nice" linear ticks (1, 2, 5 × 10^k steps), about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Log ticks: powers of ten, with 2 and 5 between them when the range spans less than two decades. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const few = Math.log10(hi / lo) < 2;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

export function scatterSvg(spec: PlotSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 400;
  const m = { l: 64, r: 16, t: 32, b: 48 };
  const legendW = 150;
  const pw = W - m.l - m.r - legendW;
  const ph = H - m.t - m.b;
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.logX || p.x > 0));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="tq-plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}">`);
  if (spec.embedStyle) out.push(`<style>${plotCss(spec.series)}</style>`);
  out.push(`<text x="${m.l}" y="18" font-weight="bold">${esc(spec.title)}</text>`);
  if (!pts.length) {
    out.push(`<text x="${m.l}" y="${m.t + ph / 2}">no data</text></svg>`);
    return out.join('');
  }
  const xs = pts.flatMap((p) => [p.x - (spec.logX ? 0 : (p.xErr ?? 0)), p.x + (p.xErr ?? 0)]).filter((x) => !spec.logX || x > 0);
  const ys = pts.flatMap((p) => [p.y - (p.yErr ?? 0), p.y + (p.yErr ?? 0)]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (spec.logX) {
    x0 /= 1.3;
    x1 *= 1.3;
  } else {
    const pad = (x1 - x0 || Math.abs(x0) || 1) * 0.06;
    x0 -= pad;
    x1 += pad;
  }
  const ypad = (y1 - y0 || Math.abs(y0) || 1) * 0.08;
  y0 -= ypad;
  y1 += ypad;
  const sx = (x: number) => m.l + (spec.logX ? (Math.log(x / x0) / Math.log(x1 / x0)) * pw : ((x - x0) / (x1 - x0)) * pw);
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const r1 = (v: number) => v.toFixed(1);
  for (const t of spec.logX ? logTicks(x0, x1) : linearTicks(x0, x1)) {
    out.push(`<line class="grid" x1="${r1(sx(t))}" x2="${r1(sx(t))}" y1="${m.t}" y2="${m.t + ph}"/>`);
    out.push(`<text x="${r1(sx(t))}" y="${m.t + ph + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of linearTicks(y0, y1)) {
    out.push(`<line class="grid" x1="${m.l}" x2="${m.l + pw}" y1="${r1(sy(t))}" y2="${r1(sy(t))}"/>`);
    out.push(`<text x="${m.l - 6}" y="${r1(sy(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect class="ax" x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(spec.xLabel)}${spec.logX ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  const inRange = (p: PlotPoint) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.logX || p.x > 0);
  // The frontier: the non-dominated points joined left to right.
  const front = pts.filter((p) => p.frontier).sort((a, b) => a.x - b.x);
  if (front.length > 1) out.push(`<polyline class="front" points="${front.map((p) => `${r1(sx(p.x))},${r1(sy(p.y))}`).join(' ')}"/>`);
  spec.series.forEach((s, si) => {
    const sp = s.points.filter(inRange).sort((a, b) => a.x - b.x);
    const c = esc(s.cls);
    if (s.connect !== false && sp.length > 1) out.push(`<polyline class="ln s-${c}" points="${sp.map((p) => `${r1(sx(p.x))},${r1(sy(p.y))}`).join(' ')}"/>`);
    for (const p of sp) {
      const cx = sx(p.x);
      const cy = sy(p.y);
      const bars: string[] = [];
      if (p.yErr) bars.push(`<line class="err s-${c}" x1="${r1(cx)}" x2="${r1(cx)}" y1="${r1(sy(p.y - p.yErr))}" y2="${r1(sy(p.y + p.yErr))}"/>`);
      if (p.xErr && (!spec.logX || p.x - p.xErr > 0)) bars.push(`<line class="err s-${c}" x1="${r1(sx(p.x - p.xErr))}" x2="${r1(sx(p.x + p.xErr))}" y1="${r1(cy)}" y2="${r1(cy)}"/>`);
      const tip = `${p.label}: ${spec.xLabel} ${fmt(p.x)}${p.xErr ? ` ± ${fmt(p.xErr)}` : ''}, ${spec.yLabel} ${fmt(p.y)}${p.yErr ? ` ± ${fmt(p.yErr)}` : ''}${p.frontier ? ' (on the frontier)' : ''}`;
      const g = `<g class="pt" data-point="${esc(p.id)}" tabindex="0"><title>${esc(tip)}</title>${bars.join('')}<circle class="dot s-${c}" cx="${r1(cx)}" cy="${r1(cy)}" r="${p.frontier ? 5.5 : 4}" stroke="currentColor" stroke-width="${p.frontier ? 1.5 : 0}"/></g>`;
      out.push(spec.links ? `<a href="#p-${esc(p.id)}">${g}</a>` : g);
    }
    const ly = m.t + 8 + si * 16;
    out.push(`<circle class="dot s-${c}" cx="${m.l + pw + 18}" cy="${ly}" r="4"/><text x="${m.l + pw + 28}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  const fy = m.t + 8 + spec.series.length * 16;
  out.push(`<line class="front" x1="${m.l + pw + 12}" x2="${m.l + pw + 24}" y1="${fy}" y2="${fy}"/><text x="${m.l + pw + 28}" y="${fy + 4}">Pareto frontier</text>`);
  out.push(`<text x="${m.l + pw + 12}" y="${fy + 20}" opacity="0.7">bars: ±1 standard error</text>`);
  out.push('</svg>');
  return out.join('');
}

/** The plot's stylesheet: layout classes, then one colour rule set per series class. */
export function plotCss(series: readonly { cls: string }[]): string {
  const base =
    '.tq-plot{font:11px sans-serif}.tq-plot text{fill:currentColor}.tq-plot .ax{stroke:currentColor;stroke-opacity:.6;fill:none}.tq-plot .grid{stroke:currentColor;stroke-opacity:.12}' +
    '.tq-plot .front{fill:none;stroke:currentColor;stroke-dasharray:4 3;stroke-opacity:.7}.tq-plot .ln{fill:none;stroke-opacity:.5}.tq-plot .pt{cursor:pointer}.tq-plot .pt:hover circle,.tq-plot .pt:focus circle{stroke-width:3}';
  const rules = [...new Set(series.map((s) => s.cls))].map((k) => {
    const col = STRATEGY_COLORS[k] ?? 'currentColor';
    return `.tq-plot .dot.s-${k}{fill:${col}}.tq-plot .ln.s-${k},.tq-plot .err.s-${k}{stroke:${col}}`;
  });
  return base + rules.join('');
}
