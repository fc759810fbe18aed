// Where this installation has no local engine (the universal package, or a platform without an engine package), says so once:
// which package to install, or which servers to point the settings at. No `vscode` import: the host passes its window and state.
import { join } from 'node:path';
import { chooseEngineBinary, realFiles, SERVER_ADVICE, thisHost, type FileAccess, type HostFacts } from '../engine/launcher';

export const NOTICE_SHOWN = 'tqstar.noEngineNoticeShown';
export const OPEN_SETTINGS = 'Open Model Settings';

/** The notice for an installation whose engine cannot run here; null where it can. `extensionPath`: the installed extension's folder. */
export function noEngineNotice(extensionPath: string, host: HostFacts = thisHost(), files: FileAccess = realFiles): string | null {
  const choice = chooseEngineBinary(host, join(extensionPath, 'dist'), files);
  if (choice.ok) return null;
  const lead = 'Transfer Q*: this installation has no local llama.cpp engine, so the demo uses a small word-level test model instead of the tiny transformers, and gguf model files cannot be run.';
  if (choice.reason === 'no-target') return `${lead} ${capitalise(choice.message)}.`;
  if (choice.reason === 'not-installed') return `${lead} ${capitalise(choice.message.replace(/^this installation of tqstar has no local engine for (\S+): /, 'For $1, '))}.`;
  return `${lead} ${capitalise(choice.message)}, or ${SERVER_ADVICE}.`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export interface NoticeHost {
  globalState: { get(key: string): unknown; update(key: string, value: unknown): Thenable<void> };
  showInformationMessage(message: string, ...actions: string[]): Thenable<string | undefined>;
  executeCommand(command: string, ...args: unknown[]): Thenable<unknown>;
}

/** Shows the notice the first time only (across windows and restarts); true when it was shown now. */
export function noticeNoEngineOnce(h: NoticeHost, extensionPath: string, host?: HostFacts, files?: FileAccess): boolean {
  if (h.globalState.get(NOTICE_SHOWN)) return false;
  const text = noEngineNotice(extensionPath, host, files);
  if (!text) return false;
  void h.globalState.update(NOTICE_SHOWN, true);
  void Promise.resolve(h.showInformationMessage(text, OPEN_SETTINGS)).then((pick) => {
    if (pick === OPEN_SETTINGS) void h.executeCommand('workbench.action.openSettings', 'tqstar.base');
  });
  return true;
}
