/**
 * What a report is made of: the model's identity, the settings and the run's circumstances, then
 * sections of figures (inline SVG), tables and notes. Kept free of Node imports: the panels build
 * the same report in the webview.
 */

/** A table: column names, then rows of cells as they print (numbers as their CSV text). */
export interface ReportTable {
  caption?: string;
  columns: string[];
  rows: string[][];
  /** Rows shown as a table (default TABLE_PREVIEW_ROWS); the rest only in the table's CSV block. 0: the CSV block alone. */
  preview?: number;
}

/** An inline SVG figure (trusted markup produced by ./svg, never user text unescaped) and its caption. */
export interface ReportFigure {
  caption: string;
  svg: string;
}

export interface ReportSection {
  heading: string;
  figures: ReportFigure[];
  tables: ReportTable[];
  notes: string[];
}

/** One file of the model, as it was when the report was written. */
export interface ReportFile {
  path: string;
  bytes?: number;
  /** ISO 8601 modification time. */
  modified?: string;
}

export interface ReportModel {
  /** The path (or name) the user opened. */
  path: string;
  architecture?: string;
  files: ReportFile[];
}

export interface ReportInput {
  title: string;
  /** The analysis id (similarity, spectra, diff, …). */
  analysis: string;
  /** One model, or two for a diff (A then B). */
  models: ReportModel[];
  /** The options of the run, as given to the analysis (each own property is one row). */
  settings: object;
  /** The execution provider, e.g. `cpu, 2 threads`; absent where the run used none. */
  provider?: string;
  /** Layer Lens's version. */
  version: string;
  /** When the report was written (ISO 8601). */
  date: string;
  sections: ReportSection[];
}

/**
 * What a panel's report needs besides its result and options, known only to the extension host:
 * the analysis, the model(s) with their files, and Layer Lens's version. The host sends it to the
 * panel (modelFiles.ts builds it); the webview adds the result and the settings.
 */
export interface ReportContext {
  analysis: string;
  models: ReportModel[];
  version: string;
}
