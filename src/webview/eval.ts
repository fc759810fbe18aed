// The "Transfer Q* Evaluation" webview: progress, the summary table, the two plots (inline SVG, theme colours), each point's answers.
import { scatterSvg } from '../eval/svg';
import { fmt, h } from './dom';
import { EvalToHost, HostToEval, type EvalPointView, type EvalView } from './evalProtocol';
import { vscodeApi } from './vscodeApi';
import { ESTIMATOR_MARKS, pointTag, productNotes } from './evalNotes';

interface State {
  view: EvalView | null;
  selected: string | null;
}

const api = vscodeApi<State>();
let state: State = api.getState() ?? { view: null, selected: null };
let progress: { done: number; total: number; message: string } | null = null;
let failure: string | null = null;
/** The table of the answers so far while an evaluation runs. */
let partial: EvalView | null = null;
const post = (m: EvalToHost) => api.postMessage(EvalToHost.parse(m));

const ms = (m: { mean: number; se: number | null } | null, d = 3) => (m ? `${fmt(m.mean, d)} ± ${m.se === null ? '—' : fmt(m.se, d)}` : '—');
const wtl = (w: EvalPointView['vsReference']) => (w && w.n ? `${w.win}/${w.tie}/${w.loss}` : '—');

/**
 * Our own SVG text (labels escaped by scatterSvg, no model output in it) parsed as XML and adopted; colours come from eval.css.
 * Each point gets a short tag beside it — its swept values (α=2) and, on the KL plot, its estimators' markers — so two
 * points of one strategy, and KL values of different kinds, can be told apart.
 */
function plotNode(spec: EvalView['plots'][number], view: EvalView): Node {
  const doc = new DOMParser().parseFromString(scatterSvg(spec), 'image/svg+xml');
  const node = document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
  const isKl = /\bKL\b/.test(spec.xLabel) || /\bKL\b/.test(spec.yLabel);
  for (const g of node.querySelectorAll('g.pt')) {
    const p = view.points.find((x) => x.point === g.getAttribute('data-point'));
    const dot = g.querySelector('circle');
    if (!p || !dot) continue;
    const tag = pointTag(isKl ? p : { ...p, kl: null });
    if (!tag) continue;
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('x', String(Number(dot.getAttribute('cx')) + 7));
    t.setAttribute('y', String(Number(dot.getAttribute('cy')) - 6));
    t.setAttribute('class', 'pt-tag');
    t.textContent = tag;
    g.appendChild(t);
  }
  return node;
}

function table(view: EvalView): HTMLElement {
  const ref = view.points.find((p) => p.point === view.reference)?.label ?? 'reference';
  const hasExact = view.points.some((p) => p.exact);
  const cols: [string, (p: EvalPointView) => string][] = [
    ['point', (p) => p.label],
    ['n', (p) => String(p.answers - p.errors)],
    ['reward', (p) => ms(p.reward)],
    ['KL', (p) => (p.kl ? `${ms(p.kl, 2)} ${p.kl.estimators.join('+')}` : '—')],
    ...(hasExact ? ([['exact obj.', (p: EvalPointView) => fmt(p.exact?.objective)]] as [string, (p: EvalPointView) => string][]) : []),
    [`W/T/L vs ${ref}`, (p) => wtl(p.vsReference)],
    ['judge W/T/L', (p) => wtl(p.judge)],
    ['diversity', (p) => ms(p.diversity)],
    ['distinct', (p) => fmt(p.distinct, 2)],
    ['coherence', (p) => ms(p.coherence)],
    ['tokens/out', (p) => fmt(p.cost.modelTokensPerOutputToken, 1)],
    ['requests/answer', (p) => fmt(p.cost.requestsPerAnswer, 1)],
    ['frontier', (p) => [p.frontier.cost ? 'compute' : '', p.frontier.kl ? 'KL' : ''].filter(Boolean).join(', ')],
  ];
  const rows = [...view.points].sort((a, b) => (b.reward?.mean ?? -Infinity) - (a.reward?.mean ?? -Infinity));
  return h(
    'table',
    { class: 'summary' },
    h('thead', {}, h('tr', {}, ...cols.map(([t]) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...rows.map((p) => {
        const tr = h('tr', { 'data-point': p.point, class: p.point === state.selected ? 'selected' : undefined, tabindex: 0 }, ...cols.map(([, f]) => h('td', {}, f(p))));
        return tr;
      }),
    ),
  );
}

function answers(view: EvalView, point: string): HTMLElement {
  const p = view.points.find((x) => x.point === point);
  const list = view.answers[point] ?? [];
  return h(
    'section',
    { class: 'answers' },
    h('h2', {}, `Answers of ${p?.label ?? point} (${list.length}${p && p.answers > list.length ? ` of ${p.answers}; the exported report has all` : ''})`),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'prompt'), h('th', {}, 'answer'), h('th', {}, 'reward'), h('th', {}, 'KL'), h('th', {}, 'finish'))),
      h('tbody', {}, ...list.map((a) => h('tr', {}, h('td', { class: 'text' }, `${a.prompt}`), h('td', { class: 'text output' }, a.text), h('td', {}, fmt(a.reward)), h('td', {}, fmt(a.kl, 2)), h('td', {}, a.finish)))),
    ),
  );
}

function render(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  const view = state.view;
  const running = progress !== null && !view;
  app.append(
    h(
      'header',
      { class: 'eval-header' },
      h('h1', {}, view?.title ?? 'Transfer Q* Evaluation'),
      h('span', { class: 'status', role: 'status' }, failure ? `failed: ${failure}` : running ? progress!.message : view ? (view.complete ? 'complete' : 'cancelled: partial results') : 'waiting…'),
      h('span', { class: 'spacer' }),
      running ? h('button', { id: 'cancel', class: 'secondary' }, 'Cancel') : null,
      view ? h('button', { id: 'export' }, 'Export Report…') : null,
    ),
  );
  if (running && progress!.total) app.append(h('progress', { max: progress!.total, value: progress!.done }));
  if (running && partial && partial.points.length) {
    app.append(h('p', { class: 'note', 'data-testid': 'partial-note' }, `The points so far, from the ${progress!.done} answers finished; the plots and the answers come when the evaluation is complete.`));
    app.append(table(partial));
  }
  if (!view) return;
  app.append(h('ul', { class: 'notes' }, ...productNotes(view.notes).map((n) => h('li', {}, n))));
  app.append(table(view));
  app.append(h('div', { class: 'plots' }, ...view.plots.map((s) => plotNode(s, view))));
  const kinds = [...new Set(view.points.flatMap((p) => p.kl?.estimators ?? []))];
  app.append(h('p', { class: 'note' }, 'Click a point or a row for its answers. Dashed: the Pareto frontier. Bars: ±1 standard error. Beside each point: its swept values (α=…)',
    kinds.length ? `; on the KL plot, how its KL was estimated: ${kinds.map((k) => `${ESTIMATOR_MARKS[k] ?? k[0]?.toUpperCase()} ${k}`).join(', ')} (exact and plug-in are estimates of KL; upper and bound are upper bounds, so those points may sit further right than they are).` : '.'));
  if (state.selected) app.append(answers(view, state.selected));
}

function select(point: string): void {
  state = { ...state, selected: point };
  api.setState(state);
  render();
  document.querySelector('.answers')?.scrollIntoView?.({ block: 'start' });
}

document.addEventListener('click', (e) => {
  const t = e.target as Element | null;
  if (t?.closest('#cancel')) return post({ type: 'cancel' });
  if (t?.closest('#export')) return post({ type: 'exportReport' });
  const p = t?.closest('[data-point]')?.getAttribute('data-point');
  if (p) select(p);
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' && e.key !== ' ') return;
  const p = (e.target as Element | null)?.closest?.('[data-point]')?.getAttribute('data-point');
  if (p) {
    e.preventDefault();
    select(p);
  }
});

window.addEventListener('message', (e: MessageEvent) => {
  const r = HostToEval.safeParse(e.data);
  if (!r.success) return;
  const m = r.data;
  if (m.type === 'progress') {
    progress = { done: m.done, total: m.total, message: m.message };
    if (m.partial) partial = m.partial;
    failure = null;
    state = { view: null, selected: null };
  } else if (m.type === 'result') {
    progress = null;
    partial = null;
    failure = m.error ?? null;
    // The selected point stays only if the new view has it (another evaluation opened from the history may not).
    const keep = state.view && state.selected && m.view.points.some((p) => p.point === state.selected);
    state = { view: m.view, selected: keep ? state.selected : null };
  } else {
    progress = null;
    failure = m.message;
  }
  api.setState(state);
  render();
});

render();
post({ type: 'ready' });
