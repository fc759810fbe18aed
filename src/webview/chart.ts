// The inline-SVG chart of Q̂ along a TQ* output: the chosen token's Q̂ with its ± SE band, the best candidate's Q̂, and the final reward.
import { svg, h, fmt } from './dom';
import type { ResultView } from './protocol';

const W = 600;
const H = 140;
const PAD = 28;

export function qChart(result: ResultView): HTMLElement | null {
  const points = result.steps.map((s) => {
    const chosen = s.candidates.find((c) => c.chosen);
    const qs = s.candidates.map((c) => c.q).filter((q): q is number => q !== null && Number.isFinite(q));
    return { q: chosen?.q ?? null, se: chosen?.qStderr ?? null, best: qs.length ? Math.max(...qs) : null };
  });
  if (!points.some((p) => p.q !== null)) return null;
  const values = points.flatMap((p) => [p.q, p.best, p.q !== null && p.se !== null ? p.q + p.se : null, p.q !== null && p.se !== null ? p.q - p.se : null]);
  if (result.reward !== null) values.push(result.reward);
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const x = (i: number) => PAD + (points.length <= 1 ? 0 : (i / (points.length - 1)) * (W - 2 * PAD));
  const y = (v: number) => H - PAD / 2 - ((v - lo) / (hi - lo)) * (H - PAD);
  const line = (get: (p: (typeof points)[number]) => number | null) =>
    points.map((p, i) => [i, get(p)] as const).filter(([, v]) => v !== null).map(([i, v]) => `${x(i).toFixed(1)},${y(v!).toFixed(1)}`).join(' ');
  const band = points.map((p, i) => (p.q !== null && p.se !== null ? [x(i), y(p.q + p.se), y(p.q - p.se)] : null)).filter((v): v is number[] => v !== null);
  const bandPath = band.length > 1 ? band.map(([bx, top]) => `${bx!.toFixed(1)},${top!.toFixed(1)}`).concat(band.slice().reverse().map(([bx, , bot]) => `${bx!.toFixed(1)},${bot!.toFixed(1)}`)).join(' ') : '';
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'q-chart', role: 'img', 'aria-label': `Q̂ of the chosen token over ${points.length} steps, from ${fmt(lo, 2)} to ${fmt(hi, 2)}` },
    svg('title', {}, 'Q̂ along the sequence'),
    bandPath ? svg('polygon', { points: bandPath, class: 'band' }) : null,
    svg('polyline', { points: line((p) => p.best), class: 'best' }),
    svg('polyline', { points: line((p) => p.q), class: 'chosen' }),
    result.reward !== null ? svg('line', { x1: PAD, x2: W - PAD, y1: y(result.reward), y2: y(result.reward), class: 'reward' }) : null,
    svg('text', { x: 2, y: 12, class: 'axis' }, fmt(hi, 2)),
    svg('text', { x: 2, y: H - 4, class: 'axis' }, fmt(lo, 2)),
  );
  return h('figure', { class: 'chart' }, chart,
    h('figcaption', {}, h('span', { class: 'key chosen' }, 'Q̂ (chosen) ± SE'), ' ', h('span', { class: 'key best' }, 'best candidate Q̂'), ' ', result.reward !== null ? h('span', { class: 'key reward' }, `final reward ${fmt(result.reward)}`) : null));
}
