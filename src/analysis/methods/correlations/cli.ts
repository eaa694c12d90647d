/**
 * The correlations analysis on the command line: `layer-lens correlations <model> [--layer 0-3]
 * [--rcond X] [--json|--csv]` — its flags, their mapping to options, and the table it prints: a
 * layer × head table per head measure (methods.md §2), M6's line over all heads, and M7/M8 per
 * layer. --layer takes one value, a comma list or ranges.
 */
import type { AnalysisCli } from '../analysis';
import { nonFiniteLines } from '../common/nonFinite';
import { parseLayerList, stringOption, UsageError } from '../common/cliArgs';
import type { CorrelationsResult } from './correlations';
import { HEAD_LABELS, HEAD_MEASURES, M7_LABELS, M7_MEASURES, M8_LABELS, M8_MEASURES } from './names';

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4);
}

export function formatCorrelations(r: CorrelationsResult): string {
  const a = r.attention;
  const lines = [
    `${r.model} (${r.architecture}): ${r.layers.length} layers${a ? `, ${a.numHeads} query heads, ${a.numKvHeads} kv heads (query head h uses kv head ⌊h/${a.groupSize}⌋), head_dim ${a.headDim}` : ''}; ${r.seconds.toFixed(2)} s${r.cached ? `, ${r.cached} layers from cache` : ''}`,
  ];
  const heads = Math.max(0, ...r.entries.map((e) => e.heads.length));
  if (heads > 0) {
    for (const m of HEAD_MEASURES) {
      lines.push('', `${HEAD_LABELS[m]} — rows: layers, columns: query heads`);
      lines.push(`  layer ${Array.from({ length: heads }, (_, h) => `h${h}`.padStart(8)).join('')}`);
      for (const e of r.entries) lines.push(`  ${String(e.layer).padStart(5)} ${e.heads.map((h) => fmt(h[m]).padStart(8)).join('')}`);
    }
  }
  if (r.m6) lines.push('', `M6: M5 = ${r.m6.intercept.toFixed(4)} + ${r.m6.slope.toFixed(4)}·M1 over ${r.m6.n} heads, r = ${r.m6.r.toFixed(4)}`);
  const cols = [...M7_MEASURES.map((m) => M7_LABELS[m]), ...M8_MEASURES.map((m) => M8_LABELS[m])];
  lines.push('', 'M7 and M8 per layer:', `  layer ${cols.map((c) => c.padStart(22)).join('')}`);
  for (const e of r.entries) {
    lines.push(
      `  ${String(e.layer).padStart(5)} ${[...M7_MEASURES.map((m) => e.m7[m]), ...M8_MEASURES.map((m) => e.m8[m])].map((v) => fmt(v).padStart(22)).join('')}`,
    );
  }
  for (const n of r.notApplicable) lines.push(`not applicable: ${n.measure} — ${n.reason}`);
  for (const e of r.entries) for (const n of e.notes) lines.push(`layer ${e.layer}: ${n}`);
  const flagged = nonFiniteLines(r.nonFinite ?? []);
  if (flagged.length) lines.push('', ...flagged, '  (– in the tables above: not computable; per-head values stay for the heads whose slices are finite)');
  lines.push(
    '',
    'cc = Pearson correlation of the flattened matrices; cc(M, I) = with the identity, from closed forms (no d×d product is formed); pinv by the Gram eigen-decomposition.',
  );
  return lines.join('\n');
}

export const correlationsCli: AnalysisCli<CorrelationsResult> = {
  usage: '<model> [--layer N|0,2|2-5] [--rcond X] [--expert E|shared] [--json|--csv]',
  options: {
    layer: {
      type: 'string',
      value: 'N|0,2|2-5',
      help: 'layers: one index, a comma list or ranges (default: every layer)',
    },
    rcond: {
      type: 'string',
      value: 'X',
      help: 'pinv cutoff: singular values ≤ X·σ_max count as zero, X in [0, 1) (default √(max(m, n)·ε))',
    },
    expert: {
      type: 'string',
      value: 'E|shared',
      help: "mixture-of-experts layers: the expert whose gate/up/down stand for the MLP in M7/M8 (default: none, those layers' MLP measures are skipped)",
    },
  },
  toOptions(values) {
    const layerText = stringOption(values, 'layer');
    const rcondText = stringOption(values, 'rcond');
    const rcond = rcondText === undefined ? undefined : Number(rcondText);
    if (rcond !== undefined && !(Number.isFinite(rcond) && rcond >= 0 && rcond < 1))
      throw new UsageError(`--rcond must be a number in [0, 1), got '${rcondText}'`);
    const expertText = stringOption(values, 'expert');
    if (expertText !== undefined && expertText !== 'shared' && !/^\d+$/.test(expertText))
      throw new UsageError(`--expert must be an expert index or shared, got '${expertText}'`);
    const expert = expertText === undefined ? undefined : expertText === 'shared' ? ('shared' as const) : Number(expertText);
    return [{ layers: layerText === undefined ? undefined : parseLayerList(layerText), rcond, ...(expert === undefined ? {} : { expert }) }];
  },
  format: ([result]) => formatCorrelations(result),
};
