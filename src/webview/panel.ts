// Entry of the results panel webview: validates host messages, folds them into the run's view, saves it for restore, and renders.
import './noEval';
import { HostToPanel, PanelToHost, RunView, parseMessage } from './protocol';
import { applyEvent, finishRun } from './runState';
import { renderRun, renderStatus, type UiState } from './render';
import { vscodeApi } from './vscodeApi';

interface SavedState { run: unknown }

const api = vscodeApi<SavedState>();
const root = document.getElementById('app') ?? document.body;
const ui: UiState = { selectedStep: null };

// Restored state came from this webview's own setState, but a newer build may read an older shape: validate it too.
const restored = parseMessage(RunView, api.getState()?.run);
let run: RunView | null = restored.ok ? restored.value : null;

function post(msg: PanelToHost) {
  const checked = parseMessage(PanelToHost, msg);
  if (checked.ok) api.postMessage(checked.value);
  else console.error(`tqstar panel: not sending invalid message: ${checked.reason}`);
}

const ctx = { post, ui, rerender: () => renderRun(root, run, ctx) };

// Elapsed time ticks between events; only the status line is rewritten, so focus and scrolling stay put.
let clock: ReturnType<typeof setInterval> | undefined;
function tick() {
  const live = run?.status === 'running';
  if (live && !clock) clock = setInterval(() => renderStatus(root, run, ctx), 1000);
  if (!live && clock) { clearInterval(clock); clock = undefined; }
}

function handle(msg: HostToPanel) {
  switch (msg.type) {
    case 'runStart':
    case 'showRun':
      run = msg.run;
      ui.selectedStep = null;
      break;
    case 'event':
      if (!run || run.id !== msg.runId) return;
      run = applyEvent(run, msg.event);
      break;
    case 'runEnd':
      if (!run || run.id !== msg.runId) return;
      run = finishRun(run, msg.status, msg.result, msg.error);
      break;
  }
  api.setState({ run });
  ctx.rerender();
  tick();
}

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseMessage(HostToPanel, e.data);
  if (parsed.ok) handle(parsed.value);
  else console.error(`tqstar panel: ignoring invalid message: ${parsed.reason}`);
});

ctx.rerender();
post({ type: 'ready' });
