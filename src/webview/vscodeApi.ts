// The webview side of acquireVsCodeApi(): called once, typed by the protocol.
export interface WebviewApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): WebviewApi<S>;

let api: WebviewApi<unknown> | undefined;
export function vscodeApi<S>(): WebviewApi<S> {
  api ??= acquireVsCodeApi<unknown>();
  return api as WebviewApi<S>;
}
