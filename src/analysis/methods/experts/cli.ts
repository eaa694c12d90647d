/**
 * Expert × expert similarity on the command line: `layer-lens experts <model> [--layer L]
 * [--kind gate|up|down] [--index docs,cka|all] [--orientation neuron|rows|columns] [--threshold T]
 * [--json|--csv]` — its flags, their mapping to one run, and the expert × expert table it prints.
 */
import type { AnalysisCli, CliValues } from '../analysis';
import { stringOption, UsageError } from '../common/cliArgs';
import { nonFiniteLines } from '../common/nonFinite';
import { EXPERT_ROLES } from '../../model/types';
import { describeThreshold } from '../similarity/clusters';
import { INDEX_LABELS, parseIndex, SIMILARITY_INDICES, type SimilarityIndex } from '../similarity/names';
import type { ExpertsResult } from './experts';

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

/** The expert × expert table of one index, the similar pairs and the chance level, as plain text. */
export function formatExperts(r: ExpertsResult, index: SimilarityIndex): string {
  const N = r.labels.length;
  const cell = new Map<number, string>();
  for (const p of r.pairs) {
    const text = !p.comparable ? 'n/c' : p.nonFinite ? 'n/f' : fmt(p.values[index]);
    cell.set(p.a * N + p.b, text).set(p.b * N + p.a, text);
  }
  const w = 8;
  const name = r.model.split(/[\\/]/).filter(Boolean).pop() ?? r.model;
  const lines = [
    `${name} (${r.architecture}) · layer ${r.layer} · ${r.kind} · ${INDEX_LABELS[index]} · comparing ${r.compared} of the [out, in] weights (${r.orientation})`,
    `${N} experts, shape ${[...new Set(r.shapes.map((s) => s.join('×')))].join(', ')} · mixture-of-experts layers ${r.moeLayers.join(', ')} · ${r.engine.provider} · ${r.seconds.toFixed(2)} s`,
    '',
    ' '.repeat(8) + r.labels.map((l) => l.padStart(w)).join(''),
  ];
  for (let a = 0; a < N; a++)
    lines.push(r.labels[a].padEnd(8) + r.labels.map((_, b) => (a === b ? fmt(1) : (cell.get(a * N + b) ?? '·')).padStart(w)).join(''));
  if (index === r.clusters.index) {
    const list = r.clusters.similarPairs.map((p) => `${r.labels[p.a]}–${r.labels[p.b]} ${fmt(p.value)}`);
    lines.push('', `Similar pairs: ${list.length ? list.join(', ') : 'none'} (${describeThreshold({ ...r.clusters, clusters: [] })}; ${r.clusters.rule})`);
  }
  if (index === 'docs' && r.docsChance !== undefined) lines.push(`Two independent Gaussian matrices of a routed expert's shape score ≈ ${fmt(r.docsChance)}.`);
  const notes = [...new Set(r.pairs.filter((p) => p.reason && p.values[index] === null).map((p) => p.reason))];
  if (notes.length) lines.push(`Not computed (–, n/c): ${notes.join('; ')}`);
  const flagged = nonFiniteLines(r.nonFinite);
  if (flagged.length) lines.push('', ...flagged);
  return lines.join('\n');
}

/** The indices of --index (default docs), in the order given. */
function shownIndices(values: CliValues): SimilarityIndex[] {
  const text = stringOption(values, 'index') ?? 'docs';
  try {
    return text === 'all' ? [...SIMILARITY_INDICES] : [...new Set(text.split(',').map((s) => parseIndex(s.trim())))];
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const expertsCli: AnalysisCli<ExpertsResult> = {
  usage: `<model> [--layer L] [--kind ${EXPERT_ROLES.join('|')}] [--index ${SIMILARITY_INDICES.join('|')}|all] [--orientation neuron|rows|columns] [--threshold T] [--json|--csv]`,
  options: {
    layer: { type: 'string', value: 'L', help: 'the mixture-of-experts layer whose experts are compared (default: the first one)' },
    kind: { type: 'string', value: EXPERT_ROLES.join('|'), help: "the experts' matrix to compare (default up)" },
    index: {
      type: 'string',
      value: 'docs|cka,…|all',
      help: `similarity indices: one or a comma list of ${SIMILARITY_INDICES.join(', ')}, or all (default docs)`,
    },
    orientation: {
      type: 'string',
      value: 'neuron|rows|columns',
      help: "compare neurons (the kind's natural side, default), or rows or columns of the [out, in] weights",
    },
    threshold: { type: 'string', value: 'T', help: "similar-pair threshold on the first index (default: Otsu's cut of the pair values)" },
  },
  toOptions(values) {
    const layerText = stringOption(values, 'layer');
    if (layerText !== undefined && !/^\d+$/.test(layerText)) throw new UsageError(`--layer: '${layerText}' is not a layer index`);
    const kind = stringOption(values, 'kind');
    if (kind !== undefined && !(EXPERT_ROLES as readonly string[]).includes(kind))
      throw new UsageError(`--kind: '${kind}' is not one of ${EXPERT_ROLES.join(', ')}`);
    const thresholdText = stringOption(values, 'threshold');
    const clusterThreshold = thresholdText === undefined ? undefined : Number(thresholdText);
    if (clusterThreshold !== undefined && !Number.isFinite(clusterThreshold)) throw new UsageError(`--threshold must be a number, got '${thresholdText}'`);
    return [
      {
        layer: layerText === undefined ? undefined : Number(layerText),
        kind,
        indices: shownIndices(values),
        orientation: stringOption(values, 'orientation'),
        clusterThreshold,
      },
    ];
  },
  format(results, values) {
    const shown = shownIndices(values);
    return results.map((r) => `${shown.map((i) => formatExperts(r, i)).join('\n\n')}\n\n`).join('');
  },
};
