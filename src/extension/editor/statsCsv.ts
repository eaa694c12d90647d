/**
 * Tensor statistics as CSV: one `statistic,value` row per scalar, then the histogram as
 * `bin_start,bin_end,count` rows. Written against the shape of the data, so new statistics
 * appear in the export without changes here.
 */
function csvCell(v: unknown): string {
  const s = typeof v === 'number' && !Number.isFinite(v) ? String(v) : String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface BinLike {
  x0: number;
  x1: number;
  count: number;
}

function binsOf(v: unknown): BinLike[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const ok = v.every((b) => typeof b === 'object' && b !== null && 'x0' in b && 'x1' in b && 'count' in b);
  return ok ? (v as BinLike[]) : undefined;
}

export function statsCsv(tensor: string, stats: object): string {
  const rows: string[] = ['statistic,value', `tensor,${csvCell(tensor)}`];
  const tables: string[] = [];
  for (const [key, value] of Object.entries(stats)) {
    if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) {
      rows.push(`${csvCell(key)},${csvCell(value)}`);
    } else if (Array.isArray(value) && value.every((x) => typeof x === 'number')) {
      rows.push(`${csvCell(key)},${csvCell(value.join(' '))}`);
    } else if (typeof value === 'object') {
      const bins = binsOf(value) ?? binsOf((value as Record<string, unknown>).bins);
      if (bins) tables.push(['', `${key}: bin_start,bin_end,count`, ...bins.map((b) => `${b.x0},${b.x1},${b.count}`)].join('\n'));
    }
  }
  return `${rows.join('\n')}\n${tables.join('\n')}${tables.length ? '\n' : ''}`;
}
