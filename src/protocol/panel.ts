/**
 * Every message between the extension host and its webviews, declared once: the model editor and
 * the generic analysis panel. Each direction is a union discriminated by `type`, so both sides
 * switch on it and the compiler checks every case. Messages from a webview are untrusted input
 * (a compromised or buggy page can post anything): the host runs them through the `parse…`
 * functions below, which accept only well-formed messages of known types, before using them.
 */
import type { TensorStats } from '../analysis/model/summary';
import type { ModelOverview } from '../analysis/model/overview';
import type { DepthStats } from '../analysis/model/depthStats';
import type { ReportModel } from '../analysis/report/types';
import type { WorkerErrorData } from './worker';

/** Errors as the webviews show them: the worker's codes plus the client's own. */
export interface PanelError {
  code: WorkerErrorData['code'] | 'worker-crashed' | 'worker-stopped' | 'untrusted';
  message: string;
}

export type ImageFormat = 'png' | 'svg';
export type DataFormat = 'csv' | 'json';
/** A self-contained HTML report of a panel's result (src/analysis/report/). */
export type ReportFormat = 'html';

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
  | { type: 'depthProgress'; done: number; total: number; message?: string }
  | { type: 'depth'; stats: DepthStats }
  | { type: 'depthFailed'; error: PanelError }
  /** A file of the model changed on disk while open: results shown may be stale. */
  | { type: 'changed' }
  | { type: 'exported'; format: ImageFormat | DataFormat; path: string }
  | { type: 'exportFailed'; format: ImageFormat | DataFormat; message: string };

export type ModelEditorFromWebview =
  | { type: 'ready' }
  | { type: 'selectTensor'; tensor: string; bins?: number }
  | { type: 'cancelStats' }
  | { type: 'depthStats' }
  | { type: 'cancelDepth' }
  | { type: 'reload' }
  | { type: 'trust' }
  | { type: 'exportImage'; format: ImageFormat; data: string; name: string }
  /** "Save CSV…" of a figure's ⤓ menu: the figure's table as CSV text, saved by the host through a save dialog. */
  | { type: 'exportTable'; csv: string; name: string }
  | { type: 'exportStats'; format: DataFormat; tensor: string };

// ------------------------------------------------------ generic analysis panel

export type AnalysisToWebview<Options = unknown, Partial = unknown, Result = unknown> =
  /**
   * First message after `ready`, and again whenever the webview was re-created. `modelInfo`: what
   * the host knows of the model's structure, for panels that draw options by it (absent while unknown).
   */
  | { type: 'init'; panel: string; title: string; model: string; options: Options; modelInfo?: PanelModelInfo }
  /** The model's structure, when it became known after `init` was sent. */
  | { type: 'modelInfo'; modelInfo: PanelModelInfo }
  /** Nothing has run in this panel (restored after a reload without a stored result): offer a run. */
  | { type: 'notRun'; message: string }
  /** A kept answer to an earlier panel-specific request (e.g. a prune evaluation), replayed to a re-created webview. */
  | { type: 'replayReply'; name: string; data: unknown }
  /** What only the host knows for "Export report": the analysis, the models' files as they are on disk, the version. */
  | { type: 'reportMeta'; analysis: string; models: ReportModel[]; version: string }
  | { type: 'running'; runId: number; options: Options }
  | { type: 'progress'; runId: number; done: number; total: number; message?: string }
  | { type: 'partial'; runId: number; data: Partial }
  | { type: 'result'; runId: number; data: Result; seconds: number }
  | { type: 'failed'; runId: number; error: PanelError }
  | { type: 'cancelled'; runId: number }
  /** A model file of the panel was rewritten, truncated, replaced or removed: offer a re-run. */
  | { type: 'filesChanged'; message: string }
  | { type: 'exported'; format: ImageFormat | DataFormat | ReportFormat; path: string }
  | { type: 'exportFailed'; format: ImageFormat | DataFormat | ReportFormat; message: string }
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
  /** "Export report": the report's HTML, built in the webview (webview/common/report.ts), saved by the host. */
  | { type: 'exportReport'; html: string }
  /** "Save CSV…" of a figure's ⤓ menu: the figure's table as CSV text; `name` is the figure's file name stem. */
  | { type: 'exportTable'; csv: string; name: string }
  /** A panel-specific question (e.g. details of a clicked cell), answered by a `reply`. */
  | { type: 'request'; requestId: number; name: string; payload: unknown }
  /** A button of the error area: show the Layer Lens log, or open the Layer Lens settings. */
  | { type: 'action'; action: PanelAction };

export type PanelAction = 'showLog' | 'openSettings';

/** What a panel's options depend on in the model's structure. */
export interface PanelModelInfo {
  /** Some layer of the model (of either model, for a diff) is a mixture of experts. */
  moe: boolean;
}

/**
 * What an analysis panel's webview keeps with VS Code's webview state API, so that it survives the
 * webview being re-created (tab hidden and shown, panel moved) and a window reload: the restore id
 * the host wrote into the page (webviewHtml.ts, kept by webview/common/vscodeApi.ts) and the
 * panel's view choices (index, metric, slider, selection…). The host reads only `restore`, and only
 * as a key into what it stored itself (parseRestoreId): a webview never names a file.
 */
export interface PanelWebviewState {
  restore?: string;
  view?: Record<string, unknown>;
}

/** The name of the page's meta tag that carries its restore id. */
export const RESTORE_META = 'layer-lens-restore';

/** A restore id the host issued: 1–64 characters of [A-Za-z0-9_-]. */
export function parseRestoreId(state: unknown): string | undefined {
  const id = (state as { restore?: unknown } | null | undefined)?.restore;
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

// ------------------------------------------------------------------ validation

/** Largest image a webview may hand over for export (a 4k PNG is a few MB). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const MAX_NAME_CHARS = 1024;
/** Largest figure table a webview may hand over as CSV ("Save CSV…"); a figure's table is capped far below this. */
export const MAX_TABLE_CSV_CHARS = 50 * 1024 * 1024;

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
/** A figure's table as CSV: text of bounded size, no NUL bytes (binary data is no table). */
function isTableCsv(csv: unknown): csv is string {
  return typeof csv === 'string' && csv.length > 0 && csv.length <= MAX_TABLE_CSV_CHARS && !csv.includes('\0');
}
function exportTable(raw: Fields): { type: 'exportTable'; csv: string; name: string } | undefined {
  if (!isTableCsv(raw.csv) || !isShortString(raw.name)) return undefined;
  return { type: 'exportTable', csv: raw.csv, name: raw.name };
}

/** The message if it is a well-formed ModelEditorFromWebview, else undefined. */
export function parseModelEditorMessage(raw: unknown): ModelEditorFromWebview | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'cancelStats':
    case 'depthStats':
    case 'cancelDepth':
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
    case 'exportTable':
      return exportTable(raw);
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
    case 'exportReport':
      if (typeof raw.html !== 'string' || raw.html.length > MAX_EXPORT_CHARS || !/^\s*<!DOCTYPE html>/i.test(raw.html)) return undefined;
      return { type: 'exportReport', html: raw.html };
    case 'exportTable':
      return exportTable(raw);
    case 'action':
      if (raw.action !== 'showLog' && raw.action !== 'openSettings') return undefined;
      return { type: 'action', action: raw.action };
    default:
      return undefined;
  }
}
