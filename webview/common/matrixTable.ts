/**
 * A heatmap's data as a matrix-shaped table: one row per heatmap row, one column per heatmap column,
 * the first column naming the row. An 80 × 80 layer heatmap is 80 rows of 81 cells, complete, where
 * one row per cell would be 6 400 rows (cut at the table's row limit) and several times the DOM. Pure.
 */
import { MAX_TABLE_ROWS, type FigureTable } from './figureTable';

export function matrixTable(
  corner: string,
  rowLabels: readonly string[],
  colLabels: readonly string[],
  value: (row: number, col: number) => number | null | undefined,
): FigureTable {
  const kept = Math.min(rowLabels.length, MAX_TABLE_ROWS);
  const rows = rowLabels.slice(0, kept).map((label, i) => [label, ...colLabels.map((_, j) => value(i, j) ?? null)]);
  return { columns: [corner, ...colLabels], rows, omitted: rowLabels.length - kept };
}
