/**
 * A panel's view choices (index, metric, slider, selection, homology dimension, selected head…),
 * kept with VS Code's webview state so that they survive the webview being re-created (the tab
 * hidden and shown again, the panel moved) and a window reload. A panel declares its choices with
 * their defaults once and saves on every change:
 *
 *   const view = panelViewState({ dim: 1, ratio: 0.9 });
 *   let dim = view.get().dim;
 *   …  dim = next; view.set({ dim });
 */
import { hostChannel } from './vscodeApi';
import { mergeViewState, withView } from './webviewState';

export interface ViewState<T extends Record<string, unknown>> {
  /** The current choices (the stored ones, else the defaults). */
  get(): T;
  /** Changes some choices and saves them at once. */
  set(patch: Partial<T>): void;
}

/** View state over a get/set store (the webview state API; a plain object in tests). */
export function viewStateOver<T extends Record<string, unknown>>(store: { get(): unknown; set(state: unknown): void }, defaults: T): ViewState<T> {
  let current = mergeViewState(defaults, (store.get() as { view?: unknown } | undefined)?.view);
  return {
    get: () => current,
    set(patch) {
      current = { ...current, ...patch };
      store.set(withView(store.get(), current));
    },
  };
}

/** The panel's view state in this webview's state. */
export function panelViewState<T extends Record<string, unknown>>(defaults: T): ViewState<T> {
  const host = hostChannel<unknown, unknown>();
  return viewStateOver({ get: () => host.getState(), set: (s) => host.setState(s) }, defaults);
}

/**
 * The view-choice object of a panel, saved whenever one of its fields is assigned: a panel that
 * keeps its choices in one object (`state.metric = 'alpha'`) needs only its declaration changed.
 * Keys that are optional in the panel's type are listed with `undefined` so that a stored value
 * comes back. Assign a new object to change a nested choice (`state.selection = {…}`): changes
 * inside a nested object are not seen.
 */
export function keptStateOver<T extends Record<string, unknown>>(store: { get(): unknown; set(state: unknown): void }, defaults: T): T {
  const view = viewStateOver(store, defaults);
  const target = { ...view.get() };
  return new Proxy(target, {
    set(obj, key, value) {
      (obj as Record<string | symbol, unknown>)[key] = value;
      if (typeof key === 'string') view.set({ [key]: value } as Partial<T>);
      return true;
    },
    deleteProperty(obj, key) {
      delete (obj as Record<string | symbol, unknown>)[key];
      if (typeof key === 'string') view.set({ [key]: undefined } as Partial<T>);
      return true;
    },
  });
}

/** keptStateOver on this webview's state. */
export function keptState<T extends Record<string, unknown>>(defaults: T): T {
  const host = hostChannel<unknown, unknown>();
  return keptStateOver({ get: () => host.getState(), set: (s) => host.setState(s) }, defaults);
}
