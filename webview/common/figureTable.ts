/**
 * The data behind a figure as a table: what "Show as table" draws and "CSV" exports. A panel may
 * give its own; otherwise it is read from the plot's marks: every mark whose data is an array of
 * plain objects contributes its rows (a row drawn by several marks once), the columns are the keys
 * holding numbers, strings, booleans or null, in the order they first appear. Pure, so it is tested
 * without a DOM.
 */

export type TableValue = string | number | boolean | null;

export interface FigureTable {
  columns: string[];
  rows: TableValue[][];
  /** Rows left out of `rows` (the table shows at most MAX_TABLE_ROWS). */
  omitted: number;
}

/** More rows than a reader can scan, and a DOM table that large slows the panel. */
export const MAX_TABLE_ROWS = 2000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isCellValue(v: unknown): v is TableValue {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/** The table of rows given as plain objects (at most MAX_TABLE_ROWS of them; the rest counted). */
export function tableFromRows(rows: readonly Record<string, unknown>[]): FigureTable {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r))
      if (!seen.has(k) && isCellValue(v)) {
        seen.add(k);
        columns.push(k);
      }
  const kept = rows.slice(0, MAX_TABLE_ROWS);
  return {
    columns,
    rows: kept.map((r) => columns.map((c) => (isCellValue(r[c]) ? r[c] : null))),
    omitted: rows.length - kept.length,
  };
}

/** The table of a plot's marks (Plot.Mark instances, or null/undefined/functions, which are skipped). */
export function tableFromMarks(marks: readonly unknown[] | undefined): FigureTable {
  const arrays = new Set<readonly unknown[]>();
  for (const m of (marks ?? []).flat(Infinity as 1)) {
    const data = (m as { data?: unknown } | null | undefined)?.data;
    if (Array.isArray(data) && data.length && data.some(isPlainObject)) arrays.add(data);
  }
  // A row drawn by two marks (a cell and its selection outline) is one row of the table.
  return tableFromRows([...new Set([...arrays].flatMap((a) => a.filter(isPlainObject)))]);
}

/** A number with 4 significant digits (integers as they are, up to 1e15); other values as text. */
export function formatTableValue(v: TableValue): string {
  if (v === null) return '';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  const p = v.toPrecision(4);
  // Exponent notation only where fixed notation would hide the digits.
  return abs >= 1e-4 && abs < 1e6 ? String(Number(p)) : p.replace(/\.?0+e/, 'e');
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The table as CSV (RFC 4180), numbers at full precision. */
export function tableToCsv(table: FigureTable): string {
  const line = (cells: string[]) => cells.map(csvField).join(',');
  const raw = (v: TableValue) => (v === null ? '' : String(v));
  return [line(table.columns), ...table.rows.map((r) => line(r.map(raw)))].join('\n') + '\n';
}
