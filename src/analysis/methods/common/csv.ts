/**
 * The one CSV cell writer every analysis CSV uses (the panels' wide "Export CSV" and the CLI's tidy
 * `--csv`), and the tidy writer.
 *
 * Cells (RFC 4180): null/undefined → empty; a finite number → String(v); NaN and ±Inf → empty;
 * anything else → String(v), quoted (with `"` doubled) when it holds `"`, `,`, `\n` or `\r`.
 *
 * Tidy (long) format: a fixed list of key columns, then `metric,value`; one row per value the result
 * holds. A key that does not apply to a row (a head on a matrix-level value) is an empty cell. A value
 * that is null, NaN or ±Inf (not computable, undefined, a flagged matrix) keeps its row with an empty
 * `value` cell, so the rows say what was computed and the empty cells say what came out non-finite;
 * values a run does not compute (switched off by an option, or not defined for that key) have no row.
 * `value` is always a number (booleans as 1/0); text such as reasons and notes stays in `--json`.
 */

/** One CSV cell: see the module comment. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return csvQuote(String(v), false);
}

/** `s` quoted as one cell: always when `always`, else only when it holds `"`, `,`, `\n` or `\r`. */
export function csvQuote(s: string, always = true): string {
  return always || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line of `cells` (no line end). */
export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',');
}

/** A tidy row: the key cells by column name (absent: empty), the metric's name and its value. */
export interface TidyRow {
  metric: string;
  value: number | boolean | null | undefined;
  [key: string]: string | number | boolean | null | undefined;
}

/** Tidy CSV: header `columns` (key columns, then metric, value), one line per row, ending in `\n`. */
export function tidyCsv(columns: readonly string[], rows: readonly TidyRow[]): string {
  const lines = [csvLine(columns)];
  for (const r of rows) lines.push(csvLine(columns.map((c) => (typeof r[c] === 'boolean' ? Number(r[c]) : r[c]))));
  return `${lines.join('\n')}\n`;
}
