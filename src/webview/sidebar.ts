// Entry of the history side view: lists past runs from the host and asks it to reopen or clear them.
import './noEval';
import { HostToSidebar, SidebarToHost, parseMessage, type HistorySummary } from './protocol';
import { h, fmt, visibleText } from './dom';
import { STRATEGY_LABELS } from './labels';
import { vscodeApi } from './vscodeApi';

const api = vscodeApi<{ entries: HistorySummary[] }>();
const root = document.getElementById('app') ?? document.body;
let entries: HistorySummary[] = api.getState()?.entries ?? [];

function post(msg: SidebarToHost) {
  const checked = parseMessage(SidebarToHost, msg);
  if (checked.ok) api.postMessage(checked.value);
}

/** The empty history: one line. The "Get Started" view above it carries the buttons (not repeated here). */
function welcome(): HTMLElement {
  return h('section', { class: 'welcome', 'data-testid': 'welcome' }, h('p', { class: 'empty' }, 'No runs yet in this workspace. Runs and evaluations you start appear here, newest first.'));
}

const STATUS_MARK: Record<HistorySummary['status'], { mark: string; label: string }> = {
  done: { mark: '✓', label: 'finished' },
  error: { mark: '✗', label: 'failed' },
  cancelled: { mark: '◼', label: 'cancelled' },
  running: { mark: '…', label: 'running' },
};

/** A title that tells runs apart: the prompt's first line (an evaluation's prompt set: a path by its file name), then when. */
function entryTitle(e: HistorySummary): string {
  const first = e.prompt.split('\n').find((l) => l.trim()) ?? '';
  if (e.kind === 'eval') return first.split(/[\\/]/).pop() || first;
  const excerpt = first.length > 48 ? `${first.slice(0, 48)}…` : first;
  return excerpt || '(empty prompt)';
}

/** The line under the title: the best strategy (or an evaluation's best point) and its reward, how many, when. */
function entryMeta(e: HistorySummary, when: Date): string {
  const best = e.bestStrategy ? `best ${e.kind === 'eval' && e.bestLabel ? e.bestLabel : STRATEGY_LABELS[e.bestStrategy]} ${fmt(e.bestReward)}` : 'no reward';
  const count = e.kind === 'eval' ? `${e.points ?? 0} points · ${e.prompts ?? '?'} prompts` : `${e.strategies.length} strategies`;
  return `${best} · ${count} · ${when.toLocaleDateString()}`;
}

function render() {
  const clear = h('button', { type: 'button', class: 'secondary', disabled: entries.length === 0 }, 'Clear History');
  clear.addEventListener('click', () => post({ type: 'clear' }));
  const items = entries.map((e) => {
    const st = STATUS_MARK[e.status];
    const when = new Date(e.startedAt);
    const isEval = e.kind === 'eval';
    const b = h('button', { type: 'button', class: `entry status-${e.status}${isEval ? ' eval' : ''}`, 'data-testid': 'history-entry', 'data-kind': isEval ? 'eval' : 'run', title: `${isEval ? `Open this evaluation in the evaluation panel\nPrompts: ${e.prompt}` : 'Open this run in the results panel'}${e.detail ? `\n${e.detail}` : ''}` },
      h('span', { class: 'entry-title' },
        h('span', { class: 'status-mark', 'data-testid': 'status-mark', role: 'img', 'aria-label': st.label, title: st.label }, st.mark),
        isEval ? h('span', { class: 'kind', 'data-testid': 'kind' }, 'Evaluation') : null,
        h('span', { class: 'excerpt' }, ...visibleText(entryTitle(e))),
        h('span', { class: 'when' }, when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }))),
      h('span', { class: 'meta' }, entryMeta(e, when)),
      e.detail ? h('span', { class: 'meta detail', 'data-testid': 'history-detail' }, e.detail) : null);
    b.addEventListener('click', () => post({ type: 'open', id: e.id }));
    return h('li', {}, b);
  });
  root.replaceChildren(h('main', {},
    entries.length ? h('ul', { class: 'history' }, ...items) : welcome(),
    entries.length ? clear : null));
}

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseMessage(HostToSidebar, e.data);
  if (!parsed.ok) return console.error(`tqstar history: ignoring invalid message: ${parsed.reason}`);
  entries = parsed.value.entries;
  api.setState({ entries });
  render();
});

render();
post({ type: 'ready' });
