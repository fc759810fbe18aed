// Entry of the history side view: lists past runs from the host and asks it to reopen or clear them.
import './noEval';
import { HostToSidebar, SidebarToHost, parseMessage, type HistorySummary, type WELCOME_COMMANDS } from './protocol';
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

/** The empty view's welcome: what to do first, as buttons (a webview view has no viewsWelcome content). */
function welcome(): HTMLElement {
  const go = (label: string, command: (typeof WELCOME_COMMANDS)[number], primary = false) => {
    const b = h('button', { type: 'button', class: primary ? 'welcome-button' : 'welcome-button secondary', 'data-command': command }, label);
    b.addEventListener('click', () => post({ type: 'command', command }));
    return b;
  };
  return h('section', { class: 'welcome', 'data-testid': 'welcome' },
    h('p', { class: 'empty' }, 'No runs yet in this workspace.'),
    h('p', {}, 'See Transfer Q* work without any server — the built-in demo is a small test backend, not a real LLM:'),
    go('Try the Demo', 'tqstar.tryDemo', true),
    h('p', {}, 'Then connect your own base and baseline model servers and a reward:'),
    go('Open Settings', 'tqstar.openSettings'),
    go('Get Started Walkthrough', 'tqstar.openWalkthrough'),
    h('p', {}, 'Or decode a prompt you type:'),
    go('Generate from Prompt…', 'tqstar.generateFromPrompt'));
}

function render() {
  const clear = h('button', { type: 'button', class: 'secondary', disabled: entries.length === 0 }, 'Clear History');
  clear.addEventListener('click', () => post({ type: 'clear' }));
  const items = entries.map((e) => {
    const excerpt = e.prompt.length > 80 ? `${e.prompt.slice(0, 80)}…` : e.prompt;
    const b = h('button', { type: 'button', class: 'entry', 'data-testid': 'history-entry', title: 'Open this run in the results panel' },
      h('span', { class: 'excerpt' }, ...(excerpt ? visibleText(excerpt) : ['(empty prompt)'])),
      h('span', { class: 'meta' }, `${e.bestStrategy ? `${STRATEGY_LABELS[e.bestStrategy]} ${fmt(e.bestReward)}` : 'no reward'} · ${e.strategies.length} strategies · ${e.status}`),
      e.detail ? h('span', { class: 'meta', 'data-testid': 'history-detail' }, e.detail) : null,
      h('span', { class: 'meta' }, new Date(e.startedAt).toLocaleString()));
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
