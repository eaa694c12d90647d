/**
 * What the checkpoint-diff panel can colour its heatmaps by. The two model heatmaps (A and B) show
 * a per-side metric on one shared colour scale, so equal colours mean equal values; the delta
 * heatmap between them shows a diff metric. Values that crossed the webview boundary as null (NaN
 * on the worker side) and unreliable power-law fits are missing, never a misleading number.
 */
import type { DiffFlag } from '../../src/analysis/methods/diff/diff';
import type { MatrixDiff } from '../../src/analysis/methods/diff/matrix';
import { expertLabel } from '../../src/analysis/methods/common/expertLabel';

export interface Cell {
  layer: number;
  kind: string;
  value: number | null;
  /** A or B holds NaN/Inf in this matrix: drawn hatched, `note` gives the counts and the tensor. */
  flagged?: true;
  note?: string;
}

/** A heatmap column: the kind, with the expert for an expert's matrix (`up e2`, `up shared`), as the CSV names it. */
export function cellKind(e: { kind: string; expert?: number | 'shared' }): string {
  return e.expert === undefined ? e.kind : `${e.kind} ${expertLabel(e.expert)}`;
}

/** One hatched cell per pair left out because A or B holds NaN/Inf there. */
export function flaggedCells(flags: readonly DiffFlag[] = []): Cell[] {
  const byMatrix = new Map<string, Cell>();
  for (const f of flags) {
    // The flag's role names the expert (`up e2`) where the kind alone does not.
    const kind = f.role || f.kind;
    const key = `${f.layer}:${kind}`;
    const c = byMatrix.get(key);
    if (c) c.note = `${c.note}; ${f.summary}`;
    else byMatrix.set(key, { layer: f.layer, kind, value: null, flagged: true, note: f.summary });
  }
  return [...byMatrix.values()];
}

export interface DeltaMetric {
  id: string;
  label: string;
  short: string;
  get(e: MatrixDiff): number | null;
  /** Signed metrics get a diverging scale centred on 0. */
  signed?: boolean;
  domain?: [number, number];
}

export interface SideMetric {
  id: string;
  label: string;
  short: string;
  get(e: MatrixDiff, side: 'a' | 'b'): number | null;
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export const DELTA_METRICS: DeltaMetric[] = [
  { id: 'relChange', label: 'Relative change ‖B − A‖_F / ‖A‖_F', short: '‖Δ‖/‖A‖', get: (e) => finite(e.relChange) },
  { id: 'oneMinusCosine', label: '1 − cosine of the flattened weights', short: '1 − cos', get: (e) => finite(e.cosine === null ? null : 1 - e.cosine) },
  { id: 'docs', label: 'DOCS(A, B) of the same layer (1 = same neurons)', short: 'DOCS', get: (e) => finite(e.docs), domain: [0, 1] },
  { id: 'effectiveRank', label: 'Effective rank of Δ (exp of the entropy of σ/Σσ)', short: 'erank Δ', get: (e) => finite(e.delta.effectiveRank) },
  { id: 'stableRank', label: 'Stable rank of Δ (Σσ² / σ₁²)', short: 'srank Δ', get: (e) => finite(e.delta.stableRank) },
  { id: 'sigma1', label: 'Largest singular value σ₁ of Δ', short: 'σ₁(Δ)', get: (e) => finite(e.delta.singularValues[0] ?? null) },
  { id: 'maxAbsDelta', label: 'Largest entry change max |Δ|', short: 'max |Δ|', get: (e) => finite(e.maxAbsDelta) },
  {
    id: 'alphaChange',
    label: 'Change of the power-law α (B − A, reliable fits only)',
    short: 'Δα',
    signed: true,
    get: (e) => (e.a?.alphaReliable && e.b?.alphaReliable ? finite(e.change?.alpha) : null),
  },
  { id: 'stableRankChange', label: 'Change of the stable rank (B − A)', short: 'Δ srank', signed: true, get: (e) => finite(e.change?.stableRank) },
  { id: 'logSpectralNormChange', label: 'Change of log10 λmax (B − A)', short: 'Δ log10 λmax', signed: true, get: (e) => finite(e.change?.logSpectralNorm) },
];

const spectral = (f: (s: NonNullable<MatrixDiff['a']>) => number | null) => (e: MatrixDiff, side: 'a' | 'b') => {
  const s = e[side];
  return s ? finite(f(s)) : null;
};

export const SIDE_METRICS: SideMetric[] = [
  { id: 'norm', label: 'Frobenius norm ‖W‖_F', short: '‖W‖_F', get: (e, side) => finite(side === 'a' ? e.normA : e.normB) },
  { id: 'logSpectralNorm', label: 'log10 λmax (log spectral norm)', short: 'log10 λmax', get: spectral((s) => s.logSpectralNorm) },
  { id: 'stableRank', label: 'Stable rank Σλ / λmax', short: 'stable rank', get: spectral((s) => s.stableRank) },
  { id: 'alpha', label: 'Power-law α (reliable fits only)', short: 'α', get: spectral((s) => (s.alphaReliable ? s.alpha : null)) },
  { id: 'logNorm', label: 'log10 Σλ', short: 'log10 Σλ', get: spectral((s) => s.logNorm) },
];

export function deltaMetric(id: string): DeltaMetric {
  return DELTA_METRICS.find((m) => m.id === id) ?? DELTA_METRICS[0]!;
}

export function sideMetric(id: string): SideMetric {
  return SIDE_METRICS.find((m) => m.id === id) ?? SIDE_METRICS[0]!;
}

export function deltaCells(entries: MatrixDiff[], metric: DeltaMetric): Cell[] {
  return entries.map((e) => ({ layer: e.layer, kind: cellKind(e), value: metric.get(e) }));
}

export function sideCells(entries: MatrixDiff[], metric: SideMetric, side: 'a' | 'b'): Cell[] {
  return entries.map((e) => ({ layer: e.layer, kind: cellKind(e), value: metric.get(e, side) }));
}

/** One colour range over several heatmaps (A and B), so the same colour is the same value. */
export function sharedDomain(...lists: Cell[][]): [number, number] | undefined {
  let lo = Infinity,
    hi = -Infinity;
  for (const list of lists)
    for (const c of list)
      if (c.value !== null) {
        lo = Math.min(lo, c.value);
        hi = Math.max(hi, c.value);
      }
  if (!(lo <= hi)) return undefined;
  return lo === hi ? [lo - 1e-12 * (Math.abs(lo) || 1), hi + 1e-12 * (Math.abs(hi) || 1)] : [lo, hi];
}

/** Symmetric range around 0 for a signed metric. */
export function signedDomain(cells: Cell[]): [number, number] {
  let m = 0;
  for (const c of cells) if (c.value !== null) m = Math.max(m, Math.abs(c.value));
  return m > 0 ? [-m, m] : [-1, 1];
}
