// Draws a RunView into the results panel: reward-ranked cards, TQ* tokens shaded by base shift, the candidate table and rollouts.
import { h, fmt, showToken } from './dom';
import { qChart } from './chart';
import { baseShift, shiftLevel } from './tokenShift';
import { rankResults } from './runState';
import type { ResultView, RunView, StepView, PanelToHost } from './protocol';
import { STRATEGY_LABELS } from './labels';

/** What the user has focused; survives re-renders as live steps stream in. */
export interface UiState {
  selectedStep: number | null;
}

export interface RenderContext {
  post(msg: PanelToHost): void;
  ui: UiState;
  /** Called after the user selects a token, so the caller can re-render. */
  rerender(): void;
}

export function renderRun(root: HTMLElement, run: RunView | null, ctx: RenderContext): void {
  const tokenHadFocus = document.activeElement instanceof HTMLElement && document.activeElement.dataset.testid === 'token';
  root.replaceChildren(run ? runView(run, ctx) : empty());
  // Re-rendering replaces the token nodes; give focus back to the selected one so keyboard navigation continues.
  if (tokenHadFocus && ctx.ui.selectedStep !== null) root.querySelector<HTMLElement>(`[data-testid="token"][data-step="${ctx.ui.selectedStep}"]`)?.focus();
}

function empty(): HTMLElement {
  return h('main', { class: 'empty' },
    h('h1', {}, 'Transfer Q* Results'),
    h('p', {}, 'No run yet. Select text in an editor and run “Transfer Q*: Generate from Selection”, or run “Transfer Q*: Try the Demo”.'),
    h('span', { 'data-testid': 'run-status', class: 'status' }, 'idle'));
}

function statusText(run: RunView): string {
  const n = run.results.length;
  const secs = run.stats ? ` in ${(run.stats.wallMs / 1000).toFixed(1)} s` : '';
  switch (run.status) {
    case 'running': return `running… ${n} of ${run.strategies.length} strategies started`;
    case 'done': return `done — ${n} strategies${secs}`;
    case 'cancelled': return `cancelled — showing what was decoded before cancelling`;
    case 'error': return `error — showing what was decoded before the failure`;
  }
}

function runView(run: RunView, ctx: RenderContext): HTMLElement {
  const ranked = rankResults(run.results);
  const rewards = ranked.map((r) => r.reward).filter((r): r is number => r !== null);
  const lo = Math.min(...rewards);
  const hi = Math.max(...rewards);
  const cancel = h('button', { type: 'button', class: 'secondary', disabled: run.status !== 'running' }, 'Cancel');
  cancel.addEventListener('click', () => ctx.post({ type: 'cancel' }));
  const exportBtn = h('button', { type: 'button', class: 'secondary', disabled: run.results.length === 0 }, 'Export JSON');
  exportBtn.addEventListener('click', () => {
    const results = rankResults(run.results);
    const stats = run.stats ?? { requests: results.reduce((s, r) => s + r.stats.requests, 0), modelTokens: results.reduce((s, r) => s + r.stats.modelTokens, 0), wallMs: Math.max(0, ...results.map((r) => r.stats.wallMs)) };
    ctx.post({ type: 'export', data: { results, stats } });
  });
  return h('main', {},
    h('header', { class: 'run-header' },
      h('h1', {}, 'Transfer Q* Results'),
      h('span', { 'data-testid': 'run-status', class: `status status-${run.status}`, role: 'status', 'aria-live': 'polite' }, statusText(run)),
      h('span', { class: 'spacer' }),
      cancel,
      exportBtn),
    h('section', { class: 'prompt' }, h('h2', {}, 'Prompt'), h('pre', { class: 'prompt-text' }, run.prompt)),
    run.error ? errorBox(run.error.message, run.error.url, run.error.setting) : null,
    run.trimmed ? h('p', { class: 'note' }, 'Per-token diagnostics of this older run were trimmed to keep the history small.') : null,
    h('section', { class: 'cards', 'aria-label': 'Outputs ranked by reward' },
      ...ranked.map((r, i) => card(r, i, ranked, rewards.length ? { lo, hi } : null, ctx, run.status === 'running'))),
  );
}

function errorBox(message: string, url?: string, setting?: string): HTMLElement {
  return h('div', { 'data-testid': 'error', class: 'error', role: 'alert' },
    message, url ? h('div', { class: 'detail' }, `URL: ${url}`) : null, setting ? h('div', { class: 'detail' }, `Setting: ${setting}`) : null);
}

function card(r: ResultView, rank: number, all: ResultView[], range: { lo: number; hi: number } | null, ctx: RenderContext, live: boolean): HTMLElement {
  const frac = r.reward === null || !range ? 0 : range.hi - range.lo < 1e-12 ? 1 : (r.reward - range.lo) / (range.hi - range.lo);
  const fill = h('div', { class: 'fill' });
  // CSSOM property, not a style attribute: the CSP forbids inline styles, and only a number reaches it.
  fill.style.setProperty('--w', String(Math.max(0.02, frac)));
  const others = all.filter((o) => o.strategy !== r.strategy);
  const output = { strategy: r.strategy, text: r.text };
  const button = (label: string, action: 'insert' | 'replace' | 'copy' | 'openDocument') => {
    const b = h('button', { type: 'button' }, label);
    b.addEventListener('click', () => ctx.post({ type: 'output', action, output }));
    return b;
  };
  let diffRow: HTMLElement | null = null;
  if (others.length) {
    const select = h('select', { 'aria-label': `Diff ${STRATEGY_LABELS[r.strategy]} against` }, ...others.map((o) => h('option', { value: o.strategy }, STRATEGY_LABELS[o.strategy])));
    const diff = h('button', { type: 'button' }, 'Diff…');
    diff.addEventListener('click', () => {
      const other = others.find((o) => o.strategy === select.value) ?? others[0]!;
      ctx.post({ type: 'diff', left: { strategy: other.strategy, text: other.text }, right: output });
    });
    diffRow = h('span', { class: 'diff' }, diff, select);
  }
  const isTq = r.strategy === 'tqstar' && r.steps.length > 0;
  const tokensJoined = r.steps.map((s) => [s.chosen, ...s.accepted].map((t) => t.text).join('')).join('');
  // Token spans stand in for the text only when they spell it exactly (stop sequences or re-tokenisation can differ).
  const inline = isTq && tokensJoined === r.text;
  return h('article', { 'data-testid': 'result-card', 'data-strategy': r.strategy, class: `card${rank === 0 && r.reward !== null ? ' best' : ''}` },
    h('header', {},
      h('h2', {}, `${rank + 1}. ${STRATEGY_LABELS[r.strategy]}`),
      h('span', { class: 'finish' }, finishText(r, live))),
    h('div', { class: 'reward-row' },
      h('span', { class: 'label' }, 'reward'),
      h('span', { 'data-testid': 'reward', class: 'reward' }, r.reward === null ? '—' : fmt(r.reward)),
      h('div', { class: 'bar', role: 'presentation' }, fill)),
    h('div', { class: 'cost' }, `${r.stats.requests} requests · ${r.stats.modelTokens} model tokens · ${(r.stats.wallMs / 1000).toFixed(2)} s`),
    inline ? h('div', { 'data-testid': 'output-text', class: 'output tokens' }, ...tokenSpans(r.steps, ctx)) : h('div', { 'data-testid': 'output-text', class: 'output' }, r.text),
    isTq && !inline ? h('div', { class: 'output tokens', 'aria-label': 'Decided tokens' }, ...tokenSpans(r.steps, ctx)) : null,
    r.error ? errorBox(r.error.message, r.error.url, r.error.setting) : null,
    ...r.warnings.map((w) => h('p', { class: 'warning' }, w)),
    h('div', { class: 'actions' }, button('Insert at Cursor', 'insert'), button('Replace Selection', 'replace'), button('Copy', 'copy'), button('Open as Document', 'openDocument'), diffRow),
    isTq ? h('p', { class: 'legend' }, 'Shading: how far the reward moved each token away from the base model\'s own favourite (darker = further). Tab or click a token — then ← → — for its candidates.') : null,
    isTq ? qChart(r) : null,
    isTq ? candidatePanel(r.steps, ctx.ui.selectedStep) : null,
  );
}

function finishText(r: ResultView, live: boolean): string {
  // While the run streams, a strategy without its final result is still decoding, not stopped.
  if (live && r.finish === 'aborted' && r.reward === null && !r.error) return 'running…';
  return { eos: 'finished', stop: 'stop sequence', maxTokens: 'max tokens', aborted: 'stopped', error: 'failed' }[r.finish];
}

function tokenSpans(steps: StepView[], ctx: RenderContext): HTMLElement[] {
  return steps.flatMap((s) => {
    const shift = baseShift(s);
    const chosen = s.candidates.find((c) => c.chosen);
    const title = `${showToken(s.chosen.text)} — base shift ${shift === null ? 'unknown' : `${fmt(shift, 2)} nats`}; Q̂ ${fmt(chosen?.q ?? null)}`;
    const span = h('span', {
      'data-testid': 'token', 'data-step': s.index, tabindex: 0, role: 'button',
      class: `token shift-${shiftLevel(shift)}${ctx.ui.selectedStep === s.index ? ' selected' : ''}`,
      title, 'aria-label': title, 'aria-pressed': ctx.ui.selectedStep === s.index ? 'true' : 'false',
    }, s.chosen.text);
    const select = () => {
      if (ctx.ui.selectedStep === s.index) return;
      ctx.ui.selectedStep = s.index;
      ctx.rerender();
    };
    span.addEventListener('focus', select);
    span.addEventListener('click', select);
    span.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); }
      // Arrow keys walk the sequence without tabbing through every token.
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const all = [...(span.parentElement?.querySelectorAll<HTMLElement>('[data-testid="token"]') ?? [])];
        const next = all[all.indexOf(span) + (e.key === 'ArrowRight' ? 1 : -1)];
        if (next) { e.preventDefault(); next.focus(); }
      }
    });
    // Block acceptance commits extra tokens in one step; they share its diagnostics.
    const extra = s.accepted.map((t) => h('span', { class: 'token accepted', title: 'accepted with the step before (block acceptance)' }, t.text));
    return [span, ...extra];
  });
}

function candidatePanel(steps: StepView[], selected: number | null): HTMLElement {
  const step = steps.find((s) => s.index === selected);
  if (!step) return h('section', { 'data-testid': 'candidate-table', class: 'candidates hint' }, 'Focus or click a token to see its candidates, Q̂ estimates and rollouts.');
  const maxEss = step.candidates.some((c) => c.ess !== null);
  const rows = step.candidates.map((c) => h('tr', { class: c.chosen ? 'chosen' : '' },
    h('td', { class: 'tok' }, showToken(c.text)),
    h('td', {}, fmt(c.logprobBase)),
    h('td', {}, fmt(c.logprobBaseline)),
    h('td', {}, c.q === null ? '—' : `${fmt(c.q)} ± ${fmt(c.qStderr)}`),
    h('td', {}, maxEss ? `ESS ${fmt(c.ess, 2)} / ${c.rollouts.length}` : `${c.rollouts.length} rollouts`),
    h('td', {}, fmt(c.score)),
    h('td', {}, fmt(c.selectProb)),
    h('td', {}, c.chosen ? '✓ chosen' : ''),
  ));
  const rollouts = step.candidates.filter((c) => c.rollouts.length).map((c) => h('details', { open: c.chosen },
    h('summary', {}, `${showToken(c.text)} — ${c.rollouts.length} rollouts`),
    h('table', { class: 'rollouts' },
      h('thead', {}, h('tr', {}, h('th', {}, 'rollout'), h('th', {}, 'reward'), h('th', {}, 'weight'))),
      h('tbody', {}, ...c.rollouts.map((ro) => h('tr', {}, h('td', { class: 'tok rollout' }, ro.text), h('td', {}, fmt(ro.reward)), h('td', {}, ro.weight === undefined ? '—' : fmt(ro.weight))))))));
  return h('section', { 'data-testid': 'candidate-table', class: 'candidates', 'aria-live': 'polite' },
    h('h3', {}, `Step ${step.index + 1}: chose ${showToken(step.chosen.text)}`),
    step.note ? h('p', { class: 'note' }, step.note) : null,
    h('table', {},
      h('thead', {}, h('tr', {}, ...['token', 'log π_base', 'log ρ_BL', 'Q̂ ± SE', 'weight / ESS', 'score', 'P(select)', 'chosen'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows)),
    ...step.candidates.flatMap((c) => (c.flags ?? []).map((f) => h('p', { class: 'note' }, `${showToken(c.text)}: ${f}`))),
    rollouts.length ? h('h4', {}, 'Rollouts') : null,
    ...rollouts);
}
