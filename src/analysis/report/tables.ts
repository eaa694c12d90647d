/**
 * Report tables from an analysis's own CSV: the wide CSV (the panel's "Export CSV") read back into
 * cells, and the tidy rows written as the CLI's `--csv` writes them, so a report's tables hold
 * exactly the numbers the CSV holds, as the same text.
 */
import { csvCell, type TidyRow } from '../methods/common/csv';
import type { ReportTable } from './types';

/** The rows of an RFC 4180 text (quoted cells may hold `,`, `""`, CR and LF); a final line end ends the last row. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A wide CSV (header line, then rows) as a table. */
export function csvTable(text: string, caption?: string): ReportTable {
  const [columns = [], ...rows] = parseCsvRows(text);
  return { caption, columns, rows };
}

/** Tidy rows as a table under `columns` (key columns, then metric and value), cells as `--csv` writes them. */
export function tidyTable(columns: readonly string[], rows: readonly TidyRow[], caption?: string): ReportTable {
  return { caption, columns: [...columns], rows: rows.map((r) => columns.map((c) => csvCell(r[c]))) };
}
