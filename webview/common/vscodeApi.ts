/**
 * The webview's handle on VS Code, typed by the messages it may send (`Out`) and receive (`In`).
 * `acquireVsCodeApi` may be called only once per page, so every panel goes through this wrapper.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export interface HostChannel<In, Out, State = unknown> {
  post(message: Out): void;
  /** Calls `handler` for each message from the host; returns a function that unsubscribes. */
  listen(handler: (message: In) => void): () => void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function hostChannel<In, Out, State = unknown>(): HostChannel<In, Out, State> {
  api ??= acquireVsCodeApi();
  const vscode = api;
  return {
    post: (message) => vscode.postMessage(message),
    listen: (handler) => {
      // Only the host posts to this window; event.data is its message.
      const onMessage = (event: MessageEvent) => handler(event.data as In);
      window.addEventListener('message', onMessage);
      return () => window.removeEventListener('message', onMessage);
    },
    getState: () => vscode.getState() as State | undefined,
    setState: (state) => vscode.setState(state),
  };
}
