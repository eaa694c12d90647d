/**
 * Every message between the extension host and its webviews, declared once: the model editor and
 * the generic analysis panel. Each direction is a union discriminated by `type`, so both sides
 * switch on it and the compiler checks every case. Messages from a webview are untrusted input
 * (a compromised or buggy page can post anything): the host runs them through the `parse…`
 * functions below, which accept only well-formed messages of known types, before using them.
 */
import type { TensorStats } from '../analysis/model/summary';
import type { ModelOverview } from '../analysis/model/overview';
import type { WorkerErrorData } from './worker';

/** Errors as the webviews show them: the worker's codes plus the client's own. */
export interface PanelError {
  code: WorkerErrorData['code'] | 'worker-crashed' | 'worker-stopped' | 'untrusted';
  message: string;
}

export type ImageFormat = 'png' | 'svg';
export type DataFormat = 'csv' | 'json';

// ---------------------------------------------------------------- model editor

export type ModelEditorToWebview =
  | { type: 'loading'; name: string }
  | { type: 'summary'; name: string; overview: ModelOverview }
  | { type: 'failed'; name: string; error: PanelError }
  /** Restricted mode: the worker does not run, so nothing is read from the file. */
  | { type: 'untrusted'; name: string }
  | { type: 'statsProgress'; tensor: string; done: number; total: number }
  | { type: 'stats'; tensor: string; stats: TensorStats }
  | { type: 'statsFailed'; tensor: string; error: PanelError }
  /** A file of the model changed on disk while open: results shown may be stale. */
  | { type: 'changed' }
  | { type: 'exported'; format: ImageFormat | DataFormat; path: string }
  | { type: 'exportFailed'; format: ImageFormat | DataFormat; message: string };

export type ModelEditorFromWebview =
  | { type: 'ready' }
  | { type: 'selectTensor'; tensor: string; bins?: number }
  | { type: 'cancelStats' }
  | { type: 'reload' }
  | { type: 'trust' }
  | { type: 'exportImage'; format: ImageFormat; data: string; name: string }
  | { type: 'exportStats'; format: DataFormat; tensor: string };

// ------------------------------------------------------ generic analysis panel

export type AnalysisToWebview<Options = unknown, Partial = unknown, Result = unknown> =
  /** First message after `ready`, and again whenever the webview was re-created. */
  | { type: 'init'; panel: string; title: string; model: string; options: Options }
  | { type: 'running'; runId: number; options: Options }
  | { type: 'progress'; runId: number; done: number; total: number; message?: string }
  | { type: 'partial'; runId: number; data: Partial }
  | { type: 'result'; runId: number; data: Result; seconds: number }
  | { type: 'failed'; runId: number; error: PanelError }
  | { type: 'cancelled'; runId: number }
  /** A model file of the panel was rewritten, truncated, replaced or removed: offer a re-run. */
  | { type: 'filesChanged'; message: string }
  | { type: 'exported'; format: ImageFormat | DataFormat; path: string }
  | { type: 'exportFailed'; format: ImageFormat | DataFormat; message: string }
  | { type: 'reply'; requestId: number; ok: true; data: unknown }
  | { type: 'reply'; requestId: number; ok: false; error: PanelError };

export type AnalysisFromWebview =
  | { type: 'ready' }
  /**
   * Run with options the user edited in the panel (validated by the panel's parseOptions);
   * `fresh`: the user pressed "Run again", so cached results are not used.
   */
  | { type: 'run'; options: unknown; fresh?: boolean }
  | { type: 'cancel' }
  | { type: 'exportImage'; format: ImageFormat; data: string }
  | { type: 'exportData'; format: DataFormat }
  /** A panel-specific question (e.g. details of a clicked cell), answered by a `reply`. */
  | { type: 'request'; requestId: number; name: string; payload: unknown };

// ------------------------------------------------------------------ validation

/** Largest image a webview may hand over for export (a 4k PNG is a few MB). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const MAX_NAME_CHARS = 1024;

type Fields = Record<string, unknown>;

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_CHARS;
}
function isIntegerIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
function isImage(format: unknown, data: unknown): boolean {
  if ((format !== 'png' && format !== 'svg') || typeof data !== 'string' || data.length > MAX_EXPORT_CHARS) return false;
  // PNG arrives as base64 (no data: prefix), SVG as markup.
  return format === 'png' ? /^[A-Za-z0-9+/]+=*$/.test(data) : data.trimStart().startsWith('<svg');
}
const isDataFormat = (v: unknown): v is DataFormat => v === 'csv' || v === 'json';

/** The message if it is a well-formed ModelEditorFromWebview, else undefined. */
export function parseModelEditorMessage(raw: unknown): ModelEditorFromWebview | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'cancelStats':
    case 'reload':
    case 'trust':
      return { type: raw.type };
    case 'selectTensor':
      if (!isShortString(raw.tensor)) return undefined;
      if (raw.bins !== undefined && !isIntegerIn(raw.bins, 1, 4096)) return undefined;
      return { type: 'selectTensor', tensor: raw.tensor, bins: raw.bins as number | undefined };
    case 'exportImage':
      if (!isImage(raw.format, raw.data) || !isShortString(raw.name)) return undefined;
      return { type: 'exportImage', format: raw.format as ImageFormat, data: raw.data as string, name: raw.name };
    case 'exportStats':
      if (!isDataFormat(raw.format) || !isShortString(raw.tensor)) return undefined;
      return { type: 'exportStats', format: raw.format, tensor: raw.tensor };
    default:
      return undefined;
  }
}

/** The message if it is a well-formed AnalysisFromWebview, else undefined. */
export function parseAnalysisMessage(raw: unknown): AnalysisFromWebview | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'cancel':
      return { type: raw.type };
    case 'run':
      return raw.fresh === true ? { type: 'run', options: raw.options, fresh: true } : { type: 'run', options: raw.options };
    case 'exportImage':
      if (!isImage(raw.format, raw.data)) return undefined;
      return { type: 'exportImage', format: raw.format as ImageFormat, data: raw.data as string };
    case 'exportData':
      if (!isDataFormat(raw.format)) return undefined;
      return { type: 'exportData', format: raw.format };
    case 'request':
      if (!isIntegerIn(raw.requestId, 0, Number.MAX_SAFE_INTEGER) || !isShortString(raw.name)) return undefined;
      return { type: 'request', requestId: raw.requestId, name: raw.name, payload: raw.payload };
    default:
      return undefined;
  }
}
