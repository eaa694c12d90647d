/**
 * The pruning curves as text (a line per point, then a table per method) and as tidy CSV: key
 * columns method, layers_removed, removed (the layer list, e.g. "1;2"), then metric, value with the
 * metrics perplexity, mean_nll, tokens and, with a multiple-choice file, acc, acc_norm, items.
 */
import type { TidyRow } from '../../common/csv';
import type { CurvePoint, PruneCurvesResult } from './job';
import { CURVE_METHOD_LABELS } from './removal';

export const PRUNE_CURVES_TIDY_COLUMNS = ['method', 'layers_removed', 'removed', 'metric', 'value'] as const;

export function pruneCurvesTidyRows(r: PruneCurvesResult): TidyRow[] {
  return r.points.flatMap((p) => {
    const key = { method: p.method, layers_removed: p.n, removed: p.removed.join(';') };
    const rows: TidyRow[] = [
      { ...key, metric: 'perplexity', value: p.perplexity.perplexity },
      { ...key, metric: 'mean_nll', value: p.perplexity.meanNll },
      { ...key, metric: 'tokens', value: p.perplexity.tokens },
    ];
    if (p.choices)
      rows.push(
        { ...key, metric: 'acc', value: p.choices.acc },
        { ...key, metric: 'acc_norm', value: p.choices.accNorm },
        { ...key, metric: 'items', value: p.choices.items },
      );
    return rows;
  });
}

/** One measured point, as printed while the job runs. */
export function pointLine(p: CurvePoint): string {
  const acc = p.choices ? `, acc ${p.choices.acc.toFixed(3)}, acc_norm ${p.choices.accNorm.toFixed(3)} (${p.choices.items} items)` : '';
  return `${p.method.padEnd(7)} n=${p.n} ${p.removed.length ? `without ${p.removed.join(', ')}` : 'whole model'}: perplexity ${p.perplexity.perplexity.toFixed(3)}${acc}`;
}

export function formatPruneCurves(r: PruneCurvesResult): string {
  const lines = [
    `${r.model}: ${r.decoderLayers} decoder layers, n = 0..${r.maxRemoved} removed, ${r.evaluations} distinct layer sets measured in ${r.seconds.toFixed(1)} s`,
    `perplexity on ${r.heldOutSource} (${r.points[0]?.perplexity.tokens ?? 0} tokens)${r.choicesSource ? `; accuracy on ${r.choicesSource}` : ''}`,
    `zigzag suggestions: ${r.suggestions.map((s) => `p = ${s.p} → n = ${s.n}${s.n ? ` (${s.layers.join(', ')})` : ''}`).join('; ')}`,
  ];
  for (const m of r.methods) {
    lines.push('', CURVE_METHOD_LABELS[m]);
    const suggested = new Set(r.suggestions.map((s) => s.n));
    for (const p of r.points.filter((q) => q.method === m)) {
      const acc = p.choices ? `  acc ${p.choices.acc.toFixed(3)}  acc_norm ${p.choices.accNorm.toFixed(3)}` : '';
      const mark = m === 'zigzag' && suggested.has(p.n) && p.n > 0 ? '  ← suggestion' : '';
      lines.push(
        `  n=${String(p.n).padEnd(3)} ${(p.removed.join(', ') || '—').padEnd(16)} ppl ${p.perplexity.perplexity.toFixed(3).padStart(10)}${acc}${mark}`,
      );
    }
  }
  return lines.join('\n');
}
