/**
 * Data shaping of the spectra panel's depth and per-vector pictures: the KS p of each singular
 * vector against its index (Staats et al.: which singular vectors are non-random, at both ends of the
 * spectrum), for a matrix and each of its heads; α and alpha_weighted against depth, one line per
 * kind; and randomness (mean KS p) against depth for every kind. Pure, so it is unit-tested without a DOM.
 */
import type { MatrixSpectra } from '../../src/analysis/methods/spectra/spectra';

export interface VectorPRow {
  /** 'matrix' for the whole matrix, `head h` for a head. */
  series: string;
  head: number;
  /** 1-based index of the singular vector in descending singular-value order. */
  index: number;
  p: number;
}

export interface DepthLine {
  name: string;
  points: { x: number; y: number }[];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The per-vector p of the matrix (head −1) and of each analysed head; empty when the run kept no values. */
export function vectorPRows(entry: MatrixSpectra): VectorPRow[] {
  const rows: VectorPRow[] = [];
  const push = (series: string, head: number, p: readonly (number | null)[] | undefined) =>
    (p ?? []).forEach((v, i) => {
      if (finite(v)) rows.push({ series, head, index: i + 1, p: v });
    });
  push('matrix', -1, entry.spectrum.vectors?.p);
  for (const h of entry.heads ?? []) push(`head ${h.head}`, h.head, h.spectrum.vectors?.p);
  return rows;
}

/** Kinds in a stable order: attention first, then the MLP, then anything else alphabetically. */
const KIND_ORDER = ['q', 'k', 'v', 'o', 'q_a', 'q_b', 'kv_a', 'kv_b', 'gate', 'up', 'down', 'router'];
export function orderKinds(kinds: Iterable<string>): string[] {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  return [...new Set(kinds)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function linesBy(entries: readonly MatrixSpectra[], get: (e: MatrixSpectra) => number | null | undefined): DepthLine[] {
  const kinds = orderKinds(entries.map((e) => e.kind));
  return kinds
    .map((kind) => ({
      name: kind,
      points: entries
        .filter((e) => e.kind === kind && e.expert === undefined)
        .flatMap((e) => {
          const y = get(e);
          return finite(y) ? [{ x: e.layer, y }] : [];
        })
        .sort((a, b) => a.x - b.x),
    }))
    .filter((s) => s.points.length > 0);
}

/** α (or alpha_weighted) per layer, one line per kind; unreliable fits are gaps, never points. */
export function alphaDepthLines(entries: readonly MatrixSpectra[], which: 'alpha' | 'alphaWeighted'): DepthLine[] {
  return linesBy(entries, (e) => {
    const m = e.spectrum.metrics;
    if (!m.alpha.reliable) return null;
    return which === 'alpha' ? m.alpha.alpha : m.alphaWeighted;
  });
}

/** Mean KS p of the singular vectors per layer for every kind analysed (not only q, k, v). */
export function randomnessDepthLines(entries: readonly MatrixSpectra[]): DepthLine[] {
  return linesBy(entries, (e) => e.meanP);
}
