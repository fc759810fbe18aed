// Draws a RunView into the results panel: the run's settings and progress, reward-ranked cards, TQ* tokens shaded by base shift, the candidate table and rollouts.
import { h, fmt, showToken, visibleText } from './dom';
import { qChart } from './chart';
import { baseShift, shiftLevel, shiftPhrase, SHIFT_LEVELS } from './tokenShift';
import { isRanked, rankResults, tiedRanks, rewardScale, type RewardScale } from './runState';
import type { ErrorView, ResultView, RunView, StepView, PanelToHost } from './protocol';
import { STRATEGY_LABELS } from './labels';
import { progressOf, progressText, runSummary } from './progress';

/** What the user has focused; survives re-renders as live steps stream in. */
export interface UiState {
  selectedStep: number | null;
}

export interface RenderContext {
  post(msg: PanelToHost): void;
  ui: UiState;
  /** Called after the user selects a token, so the caller can re-render. */
  rerender(): void;
  /** Clock for elapsed time (tests pass a fixed one). */
  now?(): number;
}

export function renderRun(root: HTMLElement, run: RunView | null, ctx: RenderContext): void {
  const tokenHadFocus = document.activeElement instanceof HTMLElement && document.activeElement.dataset.testid === 'token';
  root.replaceChildren(run ? runView(run, ctx) : empty());
  // Re-rendering replaces the token nodes; give focus back to the selected one so keyboard navigation continues.
  if (tokenHadFocus && ctx.ui.selectedStep !== null) root.querySelector<HTMLElement>(`[data-testid="token"][data-step="${ctx.ui.selectedStep}"]`)?.focus();
}

/** Rewrites only the status line (elapsed time ticks between events without disturbing focus). */
export function renderStatus(root: HTMLElement, run: RunView | null, ctx: RenderContext): void {
  const el = root.querySelector<HTMLElement>('[data-testid="run-status"]');
  if (el && run) el.textContent = statusText(run, ctx);
}

function empty(): HTMLElement {
  return h('main', { class: 'empty' },
    h('h1', {}, 'Transfer Q* Results'),
    h('p', {}, 'No run yet. Select text in an editor and run “Transfer Q*: Generate from Selection”, or run “Transfer Q*: Try the Demo”.'),
    h('span', { 'data-testid': 'run-status', class: 'status' }, 'idle'));
}

function statusText(run: RunView, ctx: RenderContext): string {
  const n = run.results.length;
  // The whole wait (servers probed, a local engine loading) first; the decoding time alone after it.
  const total = run.finishedAt !== undefined ? (run.finishedAt - run.startedAt) / 1000 : null;
  const decoding = run.stats ? run.stats.wallMs / 1000 : null;
  const secs = total !== null && total >= 0 ? ` in ${total.toFixed(1)} s${decoding !== null && total - decoding > 0.5 ? ` (${decoding.toFixed(1)} s decoding)` : ''}` : decoding !== null ? ` in ${decoding.toFixed(1)} s of decoding` : '';
  switch (run.status) {
    case 'running': return progressText(progressOf(run, (ctx.now ?? Date.now)()));
    case 'done': return `done — ${n} strategies${secs}`;
    case 'cancelled': return `cancelled — showing what was decoded before cancelling`;
    case 'error': return `error — showing what was decoded before the failure`;
  }
}

function button(label: string, ariaLabel: string, onClick: () => void, cls?: string, disabled = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, 'aria-label': ariaLabel === label ? undefined : ariaLabel, title: ariaLabel === label ? undefined : ariaLabel, disabled }, label);
  b.addEventListener('click', onClick);
  return b;
}

function runView(run: RunView, ctx: RenderContext): HTMLElement {
  const ranked = rankResults(run.results, run);
  const scored = ranked.filter((r) => isRanked(r, run));
  const places = tiedRanks(scored);
  const scale = rewardScale(scored.map((r) => r.reward!));
  const running = run.status === 'running';
  const exportBtn = button('Export JSON', 'Export the run (settings, prompt and results) as JSON: tqstar decode --config FILE re-runs it', () => {
    const results = rankResults(run.results);
    const stats = run.stats ?? { requests: results.reduce((s, r) => s + r.stats.requests, 0), modelTokens: results.reduce((s, r) => s + r.stats.modelTokens, 0), wallMs: Math.max(0, ...results.map((r) => r.stats.wallMs)) };
    ctx.post({ type: 'export', data: { results, stats } });
  }, 'secondary', run.results.length === 0);
  const summary = runSummary(run);
  const queued = run.strategies.filter((s) => !run.results.some((r) => r.strategy === s));
  return h('main', {},
    h('header', { class: 'run-header' },
      h('h1', {}, 'Transfer Q* Results'),
      h('span', { 'data-testid': 'run-status', 'data-started': String(run.startedAt), class: `status status-${run.status}`, role: 'status', 'aria-live': 'polite' }, statusText(run, ctx)),
      h('span', { class: 'spacer' }),
      h('span', { class: 'header-actions' },
        button('Cancel', 'Cancel the run', () => ctx.post({ type: 'cancel' }), 'secondary', !running),
        button('Re-run', 'Re-run this prompt with these strategies', () => ctx.post({ type: 'rerun' }), 'secondary', running),
        button('Settings', 'Open the Transfer Q* settings', () => ctx.post({ type: 'openSettings' }), 'secondary'),
        exportBtn)),
    summary.length ? h('dl', { class: 'run-summary', 'data-testid': 'run-summary', 'aria-label': 'Settings of this run' }, ...summary.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
    h('section', { class: 'prompt' }, h('h2', {}, run.origin ? `Prompt (${run.origin.label})` : 'Prompt'), h('pre', { class: 'prompt-text' }, ...visibleText(run.prompt))),
    run.error ? errorBox(run.error, run.error.kind === 'aborted') : null,
    warningsBox(run),
    run.trimmed ? h('p', { class: 'note' }, 'Per-token diagnostics of this older run were trimmed to keep the history small.') : null,
    running && queued.length ? h('p', { class: 'note', 'data-testid': 'queued' }, `Queued: ${queued.map((s) => STRATEGY_LABELS[s]).join(', ')}`) : null,
    scored.length ? h('p', { class: 'note scale-note', 'data-testid': 'scale-note' }, scale.kind === 'unit'
      ? 'Reward bars: a fixed 0–1 scale (every reward of this run lies in [0, 1]).'
      : 'Reward bars: σ(reward) = 1 / (1 + e^−reward), a fixed scale (half a bar at reward 0), since some rewards lie outside [0, 1].') : null,
    h('section', { class: 'cards', 'aria-label': 'Outputs ranked by reward' },
      ...ranked.map((r) => card(r, places.get(r) ?? null, ranked, scale, ctx, run))),
  );
}

function sameError(runError: ErrorView, cardError: ErrorView, name: string): boolean {
  return runError.message === cardError.message || runError.message.startsWith(`${name}: ${cardError.message}`);
}

function errorBox(e: ErrorView, quiet = false, strategy?: string): HTMLElement {
  // A cancel is the user's own doing: a note, not an error.
  if (quiet || e.kind === 'aborted') return h('p', { class: 'note', 'data-testid': 'cancel-note' }, strategy ? `${strategy}: stopped by Cancel.` : 'Cancelled.');
  return h('div', { 'data-testid': 'error', class: 'error', role: 'alert' },
    strategy ? h('strong', {}, `${strategy} failed: `) : null,
    ...visibleText(e.message),
    e.url ? h('div', { class: 'detail' }, 'URL: ', ...visibleText(e.url)) : null,
    e.setting ? h('div', { class: 'detail' }, `Setting: ${e.setting}`) : null);
}

/** Every warning once, with the strategies it came from: the same capability note is not repeated per card. */
function warningsBox(run: RunView): HTMLElement | null {
  const from = new Map<string, string[]>();
  for (const w of run.warnings ?? []) from.set(w, []);
  for (const r of run.results) for (const w of r.warnings) from.set(w, [...(from.get(w) ?? []), STRATEGY_LABELS[r.strategy]]);
  if (!from.size) return null;
  return h('details', { class: 'warnings', 'data-testid': 'warnings', open: true },
    h('summary', {}, `${from.size} warning${from.size === 1 ? '' : 's'} for this run`),
    ...[...from].map(([w, strategies]) => h('p', { class: 'warning' }, ...visibleText(w), strategies.length && strategies.length < run.results.length ? h('span', { class: 'detail' }, ` (${[...new Set(strategies)].join(', ')})`) : null)));
}

function card(r: ResultView, place: { rank: number; tiedWith: ResultView[] } | null, all: ResultView[], scale: RewardScale, ctx: RenderContext, run: RunView): HTMLElement {
  const name = STRATEGY_LABELS[r.strategy];
  const ranked = place !== null;
  const rank = place?.rank ?? -1;
  const tied = place?.tiedWith ?? [];
  const live = run.status === 'running' && !(run.done ?? []).includes(r.strategy);
  const others = all.filter((o) => o.strategy !== r.strategy && !(run.status === 'running' && !(run.done ?? []).includes(o.strategy)));
  const output = { strategy: r.strategy, text: r.text };
  const origin = !!run.origin;
  // Secondary buttons: a run shows several cards, and a page of primary buttons has no primary action.
  const act = (label: string, aria: string, action: 'insert' | 'replace' | 'copy' | 'openDocument') =>
    button(label, aria, () => ctx.post({ type: 'output', action, output }), 'secondary', live);
  let diffRow: HTMLElement | null = null;
  if (others.length) {
    const select = h('select', { 'aria-label': `Diff ${name} against` }, ...others.map((o) => h('option', { value: o.strategy }, STRATEGY_LABELS[o.strategy])));
    const diff = button('Diff…', `Diff ${name} against the chosen output`, () => {
      const other = others.find((o) => o.strategy === select.value) ?? others[0]!;
      ctx.post({ type: 'diff', left: { strategy: other.strategy, text: other.text }, right: output });
    }, 'secondary', live);
    diffRow = h('span', { class: 'diff' }, diff, select);
  }
  const isTq = r.strategy === 'tqstar' && r.steps.length > 0;
  const tokensJoined = r.steps.map((s) => [s.chosen, ...s.accepted].map((t) => t.text).join('')).join('');
  // Token spans stand in for the text only when they spell it exactly (stop sequences or re-tokenisation can differ).
  const inline = isTq && tokensJoined === r.text;
  const best = ranked && rank === 0 && run.status !== 'running';
  return h('article', { 'data-testid': 'result-card', 'data-strategy': r.strategy, class: `card${best ? ' best' : ''}${ranked ? '' : ' unranked'}`, 'aria-label': `${name} output` },
    h('header', {},
      h('h2', {}, ranked ? `${rank + 1}${tied.length ? '=' : ''}. ${name}` : name),
      h('span', { class: 'finish', 'data-testid': 'finish' }, finishText(r, live, run))),
    tied.length ? h('p', { class: 'tie', 'data-testid': 'tie' }, tieText(r, tied)) : null,
    rewardRow(r, ranked, scale, name),
    h('div', { class: 'cost' }, `${r.stats.requests} requests · ${r.stats.modelTokens} model tokens · ${(r.stats.wallMs / 1000).toFixed(2)} s`),
    inline ? h('div', { 'data-testid': 'output-text', class: 'output tokens', 'aria-label': `${name} output, token by token` }, ...tokenSpans(r.steps, ctx)) : h('div', { 'data-testid': 'output-text', class: 'output' }, ...visibleText(r.text)),
    isTq && !inline ? h('div', { class: 'output tokens', 'aria-label': 'Decided tokens' }, ...tokenSpans(r.steps, ctx)) : null,
    // The run's error box above already says this strategy failed, and why: not repeated here.
    r.error && !(run.error && sameError(run.error, r.error, name)) ? errorBox(r.error, false, name) : r.error ? h('p', { class: 'note', 'data-testid': 'failed-note' }, 'Failed: see the error above.') : null,
    isTq ? legend(r.steps) : null,
    isTq ? qChart(r) : null,
    isTq ? candidatePanel(r.steps, ctx.ui.selectedStep) : null,
    // After the text in tab order: Tab reaches the tokens without crossing the buttons.
    h('div', { class: 'actions', role: 'group', 'aria-label': `${name} actions` },
      act(origin ? 'Insert after Prompt' : 'Insert at Cursor', origin ? `Insert the ${name} output after the prompt (${run.origin!.label})` : `Insert the ${name} output at the cursor`, 'insert'),
      act(origin ? 'Replace Prompt' : 'Replace Selection', origin ? `Replace the prompt (${run.origin!.label}) with the prompt followed by the ${name} output` : `Replace the selection with the prompt followed by the ${name} output`, 'replace'),
      act('Copy', `Copy the ${name} output`, 'copy'),
      act('Open as Document', `Open the ${name} output as a read-only document`, 'openDocument'),
      diffRow),
  );
}

/** "tied with ARGS and Sampling (baseline): the same reward, the same text" — the order among them means nothing. */
function tieText(r: ResultView, tied: ResultView[]): string {
  const names = tied.map((t) => STRATEGY_LABELS[t.strategy]);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const same = tied.every((t) => t.text === r.text) ? ', the same text' : '';
  return `Tied with ${list}: the same reward${same}.`;
}

function rewardRow(r: ResultView, ranked: boolean, scale: RewardScale, name: string): HTMLElement {
  if (!ranked) {
    // A partial text's reward is shown for what it is, without a bar that would compare it with finished ones.
    return h('div', { class: 'reward-row' },
      h('span', { class: 'label' }, 'reward'),
      h('span', { 'data-testid': 'reward', class: 'reward' }, r.reward === null ? '—' : fmt(r.reward)),
      r.reward !== null ? h('span', { class: 'note' }, 'of the partial text, not ranked') : null);
  }
  const frac = scale.frac(r.reward!);
  const fill = h('div', { class: 'fill' });
  // CSSOM property, not a style attribute: the CSP forbids inline styles, and only a number reaches it.
  fill.style.setProperty('--w', String(Math.max(0.02, frac)));
  return h('div', { class: 'reward-row' },
    h('span', { class: 'label' }, 'reward'),
    h('span', { 'data-testid': 'reward', class: 'reward' }, fmt(r.reward)),
    h('div', {
      class: 'bar', role: 'meter', 'aria-label': `${name} reward`,
      'aria-valuemin': 0, 'aria-valuemax': 1, 'aria-valuenow': scale.kind === 'unit' ? r.reward! : Number(frac.toFixed(4)),
      'aria-valuetext': scale.kind === 'unit' ? `${fmt(r.reward)} on a 0–1 scale` : `${fmt(r.reward)}, σ(reward) ${fmt(frac, 2)}`,
    }, fill));
}

function finishText(r: ResultView, live: boolean, run: RunView): string {
  if (live) {
    const max = run.config?.decoding.maxTokens;
    const n = r.tokens.length;
    return n ? `running… ${n}${max ? ` / ${max} tokens` : n === 1 ? ' token' : ' tokens'}` : 'running…';
  }
  return { eos: 'finished', stop: 'stop sequence', maxTokens: 'max tokens', aborted: 'stopped', error: 'failed' }[r.finish];
}

function legend(steps: StepView[]): HTMLElement {
  const measured = steps.filter((s) => s.baseTop).length;
  const levels = SHIFT_LEVELS.filter((l) => l.level !== 'unmeasured' ? measured > 0 : measured < steps.length);
  const alphas = [...new Set(steps.map((s) => s.alpha).filter((a): a is number => a !== undefined))];
  const unsteered = steps.filter((s) => s.steered === false).length;
  return h('div', { class: 'legend', 'data-testid': 'legend' },
    h('p', {}, measured
      ? 'Shading: how far the reward moved each token away from the base model\'s own top-1 token (over its whole vocabulary), as log π_base(top-1) − log π_base(chosen). Tab or click a token — then ← → — for its candidates.'
      : 'Shading: not measured — this run did not fetch the base model\'s top-1 token, so how far the reward moved each choice is unknown. Tab or click a token — then ← → — for its candidates.'),
    measured && measured < steps.length ? h('p', {}, `Measured at ${measured} of ${steps.length} steps.`) : null,
    alphas.length ? h('p', { 'data-testid': 'alpha-used' }, alphas.length === 1 ? `α used: ${fmt(alphas[0]!, 3)} at every step.` : `α used: ${fmt(Math.min(...alphas), 3)} to ${fmt(Math.max(...alphas), 3)} (varies by step).`) : null,
    unsteered ? h('p', { 'data-testid': 'unsteered' }, `${unsteered} of ${steps.length} steps were not steered (the proposer's token was kept); they are shown in italics and marked “not steered” in their tooltips.`) : null,
    h('ul', { class: 'legend-levels' }, ...levels.map((l) => h('li', {}, h('span', { class: `token swatch shift-${l.level}`, 'aria-hidden': 'true' }, 'tok'), ` ${l.label}`))));
}

function tokenSpans(steps: StepView[], ctx: RenderContext): HTMLElement[] {
  // One Tab stop for the whole sequence (the selected token, else the first); ← → walk it.
  const focusStep = steps.some((s) => s.index === ctx.ui.selectedStep) ? ctx.ui.selectedStep : steps[0]?.index;
  return steps.flatMap((s) => {
    const shift = baseShift(s);
    const chosen = s.candidates.find((c) => c.chosen);
    const extras = [s.alpha !== undefined ? `α ${fmt(s.alpha, 3)}` : null, s.steered === false ? 'not steered' : null].filter(Boolean).join('; ');
    const title = `${showToken(s.chosen.text)} — ${shiftPhrase(shift)}; Q̂ ${fmt(chosen?.q ?? null)}${extras ? `; ${extras}` : ''}`;
    const span = h('span', {
      'data-testid': 'token', 'data-step': s.index, tabindex: s.index === focusStep ? 0 : -1, role: 'button',
      class: `token shift-${shiftLevel(shift.nats)}${s.steered === false ? ' unsteered' : ''}${ctx.ui.selectedStep === s.index ? ' selected' : ''}`,
      title, 'aria-label': title, 'aria-pressed': ctx.ui.selectedStep === s.index ? 'true' : 'false',
    }, ...visibleText(s.chosen.text));
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
    const extra = s.accepted.map((t) => h('span', { class: 'token accepted', title: 'accepted with the step before (block acceptance)' }, ...visibleText(t.text)));
    return [span, ...extra];
  });
}

/** Each cell names its column (data-label): a narrow panel lays rows out as labelled blocks instead of a wide table. */
function labelCells(rows: HTMLElement[], cols: string[]): HTMLElement[] {
  for (const tr of rows) [...tr.children].forEach((td, i) => td.setAttribute('data-label', cols[i] ?? ''));
  return rows;
}

function candidatePanel(steps: StepView[], selected: number | null): HTMLElement {
  const step = steps.find((s) => s.index === selected);
  if (!step) return h('section', { 'data-testid': 'candidate-table', class: 'candidates hint' }, 'Focus or click a token to see its candidates, Q̂ estimates and rollouts.');
  const maxEss = step.candidates.some((c) => c.ess !== null);
  const num = (text: string) => h('td', { class: 'num' }, text);
  const top = step.baseTop;
  const COLS = ['token', 'log π_base', 'log ρ_BL', 'Q̂ ± SE', 'weight / ESS', 'score', 'P(select)', 'chosen'];
  const isTop = (id: number) => top !== undefined && top.id === id;
  const rows = step.candidates.map((c) => h('tr', { class: c.chosen ? 'chosen' : '', 'aria-selected': c.chosen ? 'true' : undefined },
    h('td', { class: 'tok' }, ...visibleText(showToken(c.text)), isTop(c.id) ? h('span', { class: 'top-mark', title: 'the base model\'s top-1 token' }, ' ★ base top-1') : null),
    num(fmt(c.logprobBase)),
    num(fmt(c.logprobBaseline)),
    num(c.q === null ? '—' : `${fmt(c.q)} ± ${fmt(c.qStderr)}`),
    num(maxEss ? `ESS ${fmt(c.ess, 2)} / ${c.rollouts.length}` : `${c.rollouts.length} rollouts`),
    num(fmt(c.score)),
    num(fmt(c.selectProb)),
    h('td', { class: 'num' }, c.chosen ? '✓ chosen' : ''),
  ));
  // The base model's favourite is shown even when the proposer did not offer it: it is what the shading measures against.
  if (top && !top.proposed && !step.candidates.some((c) => c.id === top.id)) {
    rows.push(h('tr', { class: 'base-top', 'data-testid': 'base-top-row' },
      h('td', { class: 'tok' }, ...visibleText(showToken(top.text)), h('span', { class: 'top-mark' }, ' ★ base top-1, not proposed')),
      num(fmt(top.logprobBase)), num('—'), num('—'), num('—'), num('—'), num('—'), h('td', { class: 'num' }, '')));
  }
  const rollouts = step.candidates.filter((c) => c.rollouts.length).map((c) => h('details', { open: c.chosen },
    h('summary', {}, ...visibleText(`${showToken(c.text)} — ${c.rollouts.length} rollouts`)),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'rollouts' },
        h('thead', {}, h('tr', {}, h('th', {}, 'rollout'), h('th', {}, 'reward'), h('th', {}, 'weight'))),
        h('tbody', {}, ...c.rollouts.map((ro) => h('tr', {}, h('td', { class: 'tok rollout' }, h('span', { class: 'rollout-cand', title: 'the candidate token' }, ...visibleText(c.text)), ...visibleText(ro.text)), num(fmt(ro.reward)), num(ro.weight === undefined ? '—' : fmt(ro.weight)))))))));
  return h('section', { 'data-testid': 'candidate-table', class: 'candidates', 'aria-live': 'polite' },
    h('h3', {}, ...visibleText(`Step ${step.index + 1}: chose ${showToken(step.chosen.text)}`)),
    h('p', { class: 'note', 'data-testid': 'step-facts' }, ...visibleText([
      top ? (top.id === step.chosen.id ? 'the base model\'s top-1' : `base top-1 ${showToken(top.text)} (log π_base ${fmt(top.logprobBase)}${top.proposed ? '' : ', not proposed'}); shift ${fmt(baseShift(step).nats, 2)} nats`) : 'base top-1 not measured at this step',
      step.alpha !== undefined ? `α ${fmt(step.alpha, 3)}` : null,
      step.steered === undefined ? null : step.steered ? 'steered' : 'not steered (the proposer\'s token was kept)',
    ].filter(Boolean).join(' · '))),
    step.note ? h('p', { class: 'note' }, ...visibleText(step.note)) : null,
    // The table scrolls inside its own box: a narrow panel never scrolls the page sideways.
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': `Candidates of step ${step.index + 1}` },
      h('table', {},
        h('thead', {}, h('tr', {}, ...COLS.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...labelCells(rows, COLS)))),
    ...step.candidates.flatMap((c) => (c.flags ?? []).map((f) => h('p', { class: 'note' }, ...visibleText(`${showToken(c.text)}: ${f}`)))),
    rollouts.length ? h('h4', {}, 'Rollouts') : null,
    ...rollouts);
}
