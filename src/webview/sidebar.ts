// Entry of the history side view: lists past runs from the host and asks it to reopen or clear them.
import './noEval';
import { HostToSidebar, SidebarToHost, parseMessage, type HistorySummary } from './protocol';
import { h, fmt } from './dom';
import { STRATEGY_LABELS } from './labels';
import { vscodeApi } from './vscodeApi';

const api = vscodeApi<{ entries: HistorySummary[] }>();
const root = document.getElementById('app') ?? document.body;
let entries: HistorySummary[] = api.getState()?.entries ?? [];

function post(msg: SidebarToHost) {
  const checked = parseMessage(SidebarToHost, msg);
  if (checked.ok) api.postMessage(checked.value);
}

function render() {
  const clear = h('button', { type: 'button', class: 'secondary', disabled: entries.length === 0 }, 'Clear History');
  clear.addEventListener('click', () => post({ type: 'clear' }));
  const items = entries.map((e) => {
    const excerpt = e.prompt.length > 80 ? `${e.prompt.slice(0, 80)}…` : e.prompt;
    const b = h('button', { type: 'button', class: 'entry', 'data-testid': 'history-entry', title: 'Open this run in the results panel' },
      h('span', { class: 'excerpt' }, excerpt || '(empty prompt)'),
      h('span', { class: 'meta' }, `${e.bestStrategy ? `${STRATEGY_LABELS[e.bestStrategy]} ${fmt(e.bestReward)}` : 'no reward'} · ${e.strategies.length} strategies · ${e.status}`),
      h('span', { class: 'meta' }, new Date(e.startedAt).toLocaleString()));
    b.addEventListener('click', () => post({ type: 'open', id: e.id }));
    return h('li', {}, b);
  });
  root.replaceChildren(h('main', {},
    entries.length ? h('ul', { class: 'history' }, ...items) : h('p', { class: 'empty' }, 'No runs yet in this workspace. Run “Transfer Q*: Try the Demo” to see one.'),
    clear));
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
