/**
 * The webview state a Layer Lens page keeps with VS Code (src/protocol/panel.ts PanelWebviewState),
 * as pure functions so that they are tested without a webview:
 * - the restore id the host wrote into the page is kept under `restore`, out of sight of the panel
 *   code (which reads and writes the rest of the state as before);
 * - an analysis panel's view choices live under `view`, each restored only if it has the type of
 *   its default (a state saved by an older version of the panel cannot put a string where a number
 *   goes).
 */
type Fields = Record<string, unknown>;

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The panel's own part of a stored state: everything but `restore` (undefined when nothing else is kept). */
export function withoutRestore(raw: unknown): unknown {
  if (!isFields(raw) || !('restore' in raw)) return raw;
  const { restore: _restore, ...rest } = raw;
  return Object.keys(rest).length ? rest : undefined;
}

/** `state` with the page's restore id added (states that are not objects are kept as they are). */
export function withRestore(state: unknown, restore: string | undefined): unknown {
  if (!restore) return state;
  if (state === undefined || state === null) return { restore };
  return isFields(state) ? { ...state, restore } : state;
}

/** The stored view choices, each kept where its type matches the default's, else the default. */
export function mergeViewState<T extends Fields>(defaults: T, saved: unknown): T {
  const out: Fields = { ...defaults };
  if (!isFields(saved)) return out as T;
  for (const [key, fallback] of Object.entries(defaults)) {
    const v = saved[key];
    if (v === undefined || v === null) continue;
    if (sameShape(fallback, v)) out[key] = v;
  }
  return out as T;
}

function sameShape(fallback: unknown, v: unknown): boolean {
  if (fallback === null || fallback === undefined) return isJsonValue(v);
  if (Array.isArray(fallback)) return Array.isArray(v) && v.every(isJsonValue);
  if (typeof fallback === 'number') return typeof v === 'number' && Number.isFinite(v);
  if (isFields(fallback)) return isFields(v);
  return typeof v === typeof fallback;
}

function isJsonValue(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v) || Array.isArray(v) || isFields(v);
}

/** The whole state with the view choices replaced by `view`. */
export function withView(state: unknown, view: Fields): Fields {
  return { ...(isFields(state) ? state : {}), view };
}
