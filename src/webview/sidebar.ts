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
  return h('section', { class: 'welcome', 'data-testid': 'welcome' }, h('p', { class: 'empty' }, 'No runs yet in this workspace. Runs you start appear here, newest first.'));
}

const STATUS_MARK: Record<HistorySummary['status'], { mark: string; label: string }> = {
  done: { mark: '✓', label: 'finished' },
  error: { mark: '✗', label: 'failed' },
  cancelled: { mark: '◼', label: 'cancelled' },
  running: { mark: '…', label: 'running' },
};

/** A title that tells runs apart: the prompt's first line, then when. */
function entryTitle(e: HistorySummary): string {
  const first = e.prompt.split('\n').find((l) => l.trim()) ?? '';
  const excerpt = first.length > 48 ? `${first.slice(0, 48)}…` : first;
  return excerpt || '(empty prompt)';
}

function render() {
  const clear = h('button', { type: 'button', class: 'secondary', disabled: entries.length === 0 }, 'Clear History');
  clear.addEventListener('click', () => post({ type: 'clear' }));
  const items = entries.map((e) => {
    const st = STATUS_MARK[e.status];
    const when = new Date(e.startedAt);
    const b = h('button', { type: 'button', class: `entry status-${e.status}`, 'data-testid': 'history-entry', title: `Open this run in the results panel${e.detail ? `\n${e.detail}` : ''}` },
      h('span', { class: 'entry-title' },
        h('span', { class: 'status-mark', 'data-testid': 'status-mark', role: 'img', 'aria-label': st.label, title: st.label }, st.mark),
        h('span', { class: 'excerpt' }, ...visibleText(entryTitle(e))),
        h('span', { class: 'when' }, when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }))),
      h('span', { class: 'meta' }, `${e.bestStrategy ? `best ${STRATEGY_LABELS[e.bestStrategy]} ${fmt(e.bestReward)}` : 'no reward'} · ${e.strategies.length} strategies · ${when.toLocaleDateString()}`),
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
