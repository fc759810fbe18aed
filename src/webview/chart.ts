// The inline-SVG chart of Q̂ along a TQ* output: the chosen token's Q̂ with its ± SE band, the best candidate's Q̂, and the final reward, on labelled axes.
import { svg, h, fmt } from './dom';
import type { ResultView } from './protocol';

const W = 600;
const H = 170;
const LEFT = 52;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 38;

/** Up to `n` evenly spread integer positions from 1 to `count`, always both ends. */
export function xTicks(count: number, n = 6): number[] {
  if (count <= 1) return [1];
  const step = Math.max(1, Math.ceil((count - 1) / (n - 1)));
  const ticks: number[] = [];
  for (let t = 1; t < count; t += step) ticks.push(t);
  if (ticks.at(-1)! !== count) {
    // Keep the last label clear of its neighbour.
    if (count - ticks.at(-1)! < step / 2 && ticks.length > 1) ticks.pop();
    ticks.push(count);
  }
  return ticks;
}

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
  const n = points.length;
  const x = (i: number) => LEFT + (n <= 1 ? (W - LEFT - RIGHT) / 2 : (i / (n - 1)) * (W - LEFT - RIGHT));
  const y = (v: number) => TOP + (1 - (v - lo) / (hi - lo)) * (H - TOP - BOTTOM);
  const line = (get: (p: (typeof points)[number]) => number | null) =>
    points.map((p, i) => [i, get(p)] as const).filter(([, v]) => v !== null).map(([i, v]) => `${x(i).toFixed(1)},${y(v!).toFixed(1)}`).join(' ');
  const band = points.map((p, i) => (p.q !== null && p.se !== null ? [x(i), y(p.q + p.se), y(p.q - p.se)] : null)).filter((v): v is number[] => v !== null);
  const bandPath = band.length > 1 ? band.map(([bx, top]) => `${bx!.toFixed(1)},${top!.toFixed(1)}`).concat(band.slice().reverse().map(([bx, , bot]) => `${bx!.toFixed(1)},${bot!.toFixed(1)}`)).join(' ') : '';
  const yTicks = [lo, (lo + hi) / 2, hi];
  const bottom = H - BOTTOM;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'q-chart', role: 'img', 'aria-label': `Q̂ of the chosen token at each of ${n} token positions, from ${fmt(lo, 2)} to ${fmt(hi, 2)}${result.reward !== null ? `; final reward ${fmt(result.reward)}` : ''}` },
    svg('title', {}, 'Q̂ along the sequence'),
    // Axes with ticks: Q̂ up the left, token positions along the bottom.
    ...yTicks.map((v) => svg('line', { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: 'grid' })),
    ...yTicks.map((v) => svg('text', { x: LEFT - 4, y: y(v) + 3, class: 'axis tick', 'text-anchor': 'end' }, fmt(v, 2))),
    svg('line', { x1: LEFT, x2: LEFT, y1: TOP, y2: bottom, class: 'axis-line' }),
    svg('line', { x1: LEFT, x2: W - RIGHT, y1: bottom, y2: bottom, class: 'axis-line' }),
    ...xTicks(n).flatMap((t) => [
      svg('line', { x1: x(t - 1), x2: x(t - 1), y1: bottom, y2: bottom + 4, class: 'axis-line' }),
      svg('text', { x: x(t - 1), y: bottom + 15, class: 'axis tick', 'text-anchor': 'middle' }, String(t)),
    ]),
    svg('text', { x: LEFT + (W - LEFT - RIGHT) / 2, y: H - 4, class: 'axis title', 'text-anchor': 'middle' }, 'token position'),
    svg('text', { x: 12, y: TOP + (bottom - TOP) / 2, class: 'axis title', 'text-anchor': 'middle', transform: `rotate(-90 12 ${TOP + (bottom - TOP) / 2})` }, 'Q̂'),
    bandPath ? svg('polygon', { points: bandPath, class: 'band' }) : null,
    svg('polyline', { points: line((p) => p.best), class: 'best' }),
    svg('polyline', { points: line((p) => p.q), class: 'chosen' }),
    ...points.map((p, i) => (p.q !== null ? svg('circle', { cx: x(i), cy: y(p.q), r: 2.5, class: 'chosen-dot' }) : null)),
    result.reward !== null ? svg('line', { x1: LEFT, x2: W - RIGHT, y1: y(result.reward), y2: y(result.reward), class: 'reward' }) : null,
  );
  return h('figure', { class: 'chart', 'data-testid': 'q-chart' }, chart,
    h('figcaption', {},
      h('span', { class: 'key chosen' }, '━ Q̂ of the chosen token, shaded ± 1 SE'), ' ',
      h('span', { class: 'key best' }, '╌ best candidate\'s Q̂'), ' ',
      result.reward !== null ? h('span', { class: 'key reward' }, `─ final reward ${fmt(result.reward)}`) : null));
}
