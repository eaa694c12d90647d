/**
 * The webview's handle on VS Code, typed by the messages it may send (`Out`) and receive (`In`).
 * `acquireVsCodeApi` may be called only once per page, so every panel goes through this wrapper.
 * It also keeps the page's restore id (a meta tag the host writes, src/protocol/panel.ts
 * RESTORE_META) in the webview state, where VS Code hands it to the panel's serializer after a
 * window reload; getState and setState show the panel only its own part (webviewState.ts).
 */
import { RESTORE_META } from '../../src/protocol/panel';
import { withoutRestore, withRestore } from './webviewState';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
let restoreId: string | undefined;

function vscodeApi(): VsCodeApi {
  if (api) return api;
  api = acquireVsCodeApi();
  restoreId = document.querySelector<HTMLMetaElement>(`meta[name="${RESTORE_META}"]`)?.content || undefined;
  if (restoreId) api.setState(withRestore(withoutRestore(api.getState()), restoreId));
  return api;
}

export interface HostChannel<In, Out, State = unknown> {
  post(message: Out): void;
  /** Calls `handler` for each message from the host; returns a function that unsubscribes. */
  listen(handler: (message: In) => void): () => void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function hostChannel<In, Out, State = unknown>(): HostChannel<In, Out, State> {
  const vscode = vscodeApi();
  return {
    post: (message) => vscode.postMessage(message),
    listen: (handler) => {
      // Only the host posts to this window; event.data is its message.
      const onMessage = (event: MessageEvent) => handler(event.data as In);
      window.addEventListener('message', onMessage);
      return () => window.removeEventListener('message', onMessage);
    },
    getState: () => withoutRestore(vscode.getState()) as State | undefined,
    setState: (state) => vscode.setState(withRestore(state, restoreId)),
  };
}
