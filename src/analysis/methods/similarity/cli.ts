/**
 * The similarity analysis on the command line: `layer-lens similarity <model> --kind up|up,down|all
 * [--index docs|cka|…|all] [--pairs all|adjacent] [--layers 0,1,5] [--orientation
 * neuron|rows|columns] [--threshold 0.4] [--json|--csv]` — its flags, their mapping to one run per
 * matrix kind, and the tables it prints: per kind and index, the layer × layer table with the
 * adjacent-layer values and the clusters found.
 */
import type { AnalysisCli, CliValues } from '../analysis';
import { parseMatrixKindList, parseLayerList, stringOption, UsageError } from '../common/cliArgs';
import { nonFiniteLines } from '../common/nonFinite';
import { MATRIX_KINDS, type ExpertSelector } from '../../model/types';
import { expertLabel } from '../experts/read';
import { clusterFloor, describeThreshold, findClusters } from './clusters';
import type { SimilarityJobResult } from './job';
import type { LayerSimilarityResult } from './layerSimilarity';
import { INDEX_LABELS, parseIndex, SIMILARITY_INDICES, type SimilarityIndex } from './names';

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

/** The layer × layer table of one index, adjacent values and clusters, as plain text. */
export function formatSimilarity(r: LayerSimilarityResult, index: SimilarityIndex, threshold?: number): string {
  const L = r.layers.length;
  const cell = new Map<number, string>();
  const value = new Map<number, number | null>();
  for (const p of r.pairs) {
    const text = !p.comparable ? 'n/c' : p.nonFinite ? 'n/f' : fmt(p.values[index]);
    cell.set(p.a * L + p.b, text).set(p.b * L + p.a, text);
    value.set(p.a * L + p.b, p.comparable ? (p.values[index] ?? null) : null);
  }
  const w = 7;
  const name = r.model.split(/[\\/]/).filter(Boolean).pop() ?? r.model;
  const lines = [
    `${name} (${r.architecture}) · ${r.kind}${r.expert === undefined ? '' : ` of ${expertLabel(r.expert)}`} · ${INDEX_LABELS[index]} · comparing ${r.compared === 'rows' ? 'rows' : 'columns'} of the [out, in] weights (${r.orientation}) · ${r.pairMode} pairs`,
    `${L} layers, shape ${[...new Set(r.shapes.map((s) => s.join('×')))].join(', ')} · ${r.engine.provider} · ${r.engine.threads} thread${r.engine.threads === 1 ? '' : 's'} · ${r.seconds.toFixed(2)} s`,
    '',
    ' '.repeat(5) + r.layers.map((l) => `L${l}`.padStart(w)).join(''),
  ];
  for (let a = 0; a < L; a++) {
    const row = r.layers.map((_, b) => (a === b ? fmt(1) : (cell.get(a * L + b) ?? '·')).padStart(w)).join('');
    lines.push(`L${r.layers[a]}`.padEnd(5) + row);
  }
  const adjacent = r.pairs.filter((p) => p.b === p.a + 1).sort((x, y) => x.a - y.a);
  lines.push('', `Adjacent layers: ${adjacent.map((p) => `L${p.layerA}–L${p.layerB} ${p.comparable ? fmt(p.values[index]) : 'n/c'}`).join(', ')}`);
  const c =
    index === r.clusters.index
      ? r.clusters
      : findClusters(L, (a, b) => value.get(a * L + b) ?? undefined, {
          adjacentOnly: r.pairMode === 'adjacent',
          threshold,
          floor: clusterFloor(index, r.docsChance),
        });
  const list = c.clusters.map((k) => `L${r.layers[k.first]}–L${r.layers[k.last]} (mean ${fmt(k.mean)})`);
  lines.push(`Clusters: ${list.length ? list.join(', ') : 'none'} (${describeThreshold(c)}; ${c.rule})`);
  if (index === 'docs' && r.docsChance !== undefined) lines.push(`Two independent Gaussian matrices of this shape score ≈ ${fmt(r.docsChance)}.`);
  const notComparable = r.pairs.filter((p) => !p.comparable);
  if (notComparable.length) lines.push(`Not comparable (n/c): ${notComparable.map((p) => p.reason).join('; ')}`);
  for (const note of r.notes ?? []) lines.push(note);
  const flagged = nonFiniteLines(r.nonFinite ?? []);
  if (flagged.length) lines.push('', ...flagged, '  (n/f in the table: not computable, the pair has a flagged matrix)');
  return lines.join('\n');
}

/** The indices of --index (default docs), in the order given: each is computed and gets a table. */
function shownIndices(values: CliValues): SimilarityIndex[] {
  const indexText = stringOption(values, 'index') ?? 'docs';
  try {
    return indexText === 'all' ? [...SIMILARITY_INDICES] : indexText.split(',').map((s) => parseIndex(s.trim()));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** --threshold as a number, or undefined when absent. */
function threshold(values: CliValues): number | undefined {
  const thresholdText = stringOption(values, 'threshold');
  const t = thresholdText === undefined ? undefined : Number(thresholdText);
  if (t !== undefined && !Number.isFinite(t)) throw new UsageError(`--threshold must be a number, got '${thresholdText}'`);
  return t;
}

export const similarityCli: AnalysisCli<SimilarityJobResult> = {
  usage: `<model> --kind ${MATRIX_KINDS.join('|')}|all [--index ${SIMILARITY_INDICES.join('|')}|all] [--pairs all|adjacent] [--layers 0,1,5] [--orientation neuron|rows|columns] [--threshold T] [--expert N|shared] [--docs-precision exact|fast] [--json|--csv]`,
  options: {
    kind: {
      type: 'string',
      value: 'up|up,down|all',
      help: `matrix kinds to compare (required): one or a comma list of ${MATRIX_KINDS.join(', ')} (the router and MLA's factor matrices where the model has them), or all (the seven)`,
    },
    index: {
      type: 'string',
      value: 'docs|cka,…|all',
      help: `similarity indices: one or a comma list of ${SIMILARITY_INDICES.join(', ')}, or all (default docs)`,
    },
    pairs: {
      type: 'string',
      value: 'all|adjacent',
      help: 'compare every pair of layers, or adjacent layers only (default all)',
    },
    layers: {
      type: 'string',
      value: '0,1,5|2-5',
      help: 'layers to compare, at least two: a comma list or ranges (default: every layer)',
    },
    orientation: {
      type: 'string',
      value: 'neuron|rows|columns',
      help: "compare neurons (the kind's natural side, default), or rows or columns of the [out, in] weights",
    },
    threshold: {
      type: 'string',
      value: 'T',
      help: "cluster threshold on the first index (default: Otsu's cut of the pair values)",
    },
    'docs-precision': {
      type: 'string',
      value: 'exact|fast',
      help: "DOCS's maxima: exact (default; equal to float32, on the CPU's integer units where faster) or fast (one int8 product, error bound reported)",
    },
    expert: {
      type: 'string',
      value: 'N|shared',
      help: 'mixture-of-experts layers: compare routed expert N (or the shared expert) across them; gate, up and down only',
    },
  },
  /** One run per kind of --kind, with the same other options. */
  toOptions(values) {
    const kindText = stringOption(values, 'kind');
    if (kindText === undefined) throw new UsageError(`--kind is required: one of ${MATRIX_KINDS.join(', ')}, or all`);
    const kinds = parseMatrixKindList(kindText, true);
    const indices = shownIndices(values);
    const pairs = stringOption(values, 'pairs') ?? 'all';
    const orientation = stringOption(values, 'orientation') ?? 'neuron';
    const clusterThreshold = threshold(values);
    const layersText = stringOption(values, 'layers');
    const layers = layersText === undefined ? undefined : parseLayerList(layersText, '--layers', 2);
    const expertText = stringOption(values, 'expert');
    if (expertText !== undefined && expertText !== 'shared' && !/^\d+$/.test(expertText))
      throw new UsageError(`--expert: '${expertText}' is not a routed expert index or 'shared'`);
    const expert: ExpertSelector | undefined = expertText === undefined ? undefined : expertText === 'shared' ? 'shared' : Number(expertText);
    const docsPrecision = stringOption(values, 'docs-precision');
    if (docsPrecision !== undefined && docsPrecision !== 'exact' && docsPrecision !== 'fast')
      throw new UsageError(`--docs-precision: '${docsPrecision}' is not exact or fast`);
    return kinds.map((kind) => ({
      kind,
      pairs,
      layers,
      orientation,
      indices,
      clusterThreshold,
      ...(expert === undefined ? {} : { expert }),
      ...(docsPrecision === undefined ? {} : { docsPrecision }),
    }));
  },
  format(results, values) {
    const shown = shownIndices(values);
    const t = threshold(values);
    return results.map((r) => `${shown.map((i) => formatSimilarity(r, i, t)).join('\n\n')}\n\n`).join('');
  },
};
