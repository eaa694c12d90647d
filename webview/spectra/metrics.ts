/**
 * What the spectra panel can colour its layer × kind heatmap by, and how each value is read from a
 * matrix's result. Values that crossed the webview boundary as null (NaN on the worker side) and
 * unreliable power-law fits are "missing" here, never a misleading number.
 */
import type { FlaggedSpectra, MatrixSpectra } from '../../src/analysis/methods/spectra/spectra';
import type { Spectrum } from '../../src/analysis/methods/spectra/spectrum';

export interface MetricDef {
  id: string;
  label: string;
  /** Text for the colour legend and tooltips. */
  short: string;
  get(e: MatrixSpectra): number | null;
  /** Fixed colour range, when the metric has a natural one. */
  domain?: [number, number];
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const of = (f: (s: Spectrum) => number | null | undefined) => (e: MatrixSpectra) => finite(f(e.spectrum));

export const METRICS: MetricDef[] = [
  { id: 'meanP', label: 'Mean KS p of singular vectors (heads averaged)', short: 'mean KS p', get: (e) => finite(e.meanP), domain: [0, 1] },
  { id: 'fractionBelow05', label: 'Fraction of singular vectors with p < 0.05', short: 'p < 0.05', get: of((s) => s.vectors?.fractionBelow05), domain: [0, 1] },
  { id: 'spikes', label: 'Spikes above the Marchenko–Pastur edge', short: 'spikes', get: of((s) => s.mp?.spikes) },
  { id: 'fractionOutside', label: 'Fraction of singular values outside the MP bulk', short: 'outside MP', get: of((s) => s.mp?.fractionOutside) },
  { id: 'ksMp', label: 'KS distance of singular values to Marchenko–Pastur', short: 'KS to MP', get: of((s) => s.mp?.ks), domain: [0, 1] },
  {
    id: 'alpha',
    label: 'Power-law α of the eigenvalue tail, by the fit chosen above (reliable fits only)',
    short: 'α',
    get: of((s) => (s.metrics.alpha.reliable ? s.metrics.alpha.alpha : null)),
  },
  {
    id: 'alphaWeighted',
    label: 'alpha_weighted = α · log10 λmax (reliable fits only)',
    short: 'α weighted',
    get: of((s) => (s.metrics.alpha.reliable ? s.metrics.alphaWeighted : null)),
  },
  {
    id: 'logAlphaNorm',
    label: 'log_alpha_norm = log10 Σ λ^α (reliable fits only)',
    short: 'log α-norm',
    get: of((s) => (s.metrics.alpha.reliable ? s.metrics.logAlphaNorm : null)),
  },
  { id: 'numPlSpikes', label: 'num_pl_spikes: eigenvalues in the power-law tail (λ ≥ x_min)', short: 'PL tail', get: of((s) => s.metrics.numPlSpikes) },
  { id: 'matrixRank', label: "matrix_rank (WeightWatcher's tolerance)", short: 'rank', get: of((s) => s.metrics.matrixRank) },
  {
    id: 'matrixEntropy',
    label: 'Matrix entropy −Σ p ln p / ln rank (1 = flat spectrum)',
    short: 'entropy',
    get: of((s) => s.metrics.matrixEntropy),
    domain: [0, 1],
  },
  {
    id: 'mpSoftrank',
    label: "mp_softrank = MP edge of WeightWatcher's σ_mp fit / λmax (≈ 1 random)",
    short: 'mp_softrank',
    get: of((s) => s.metrics.mpSoftrank),
  },
  { id: 'sigmaMp', label: "σ_mp of WeightWatcher's MP fit (ESD rescaled to mean 1)", short: 'σ_mp', get: of((s) => s.metrics.sigmaMp) },
  { id: 'logSpectralNorm', label: 'log_spectral_norm = log10 λmax', short: 'log10 λmax', get: of((s) => s.metrics.logSpectralNorm) },
  { id: 'logNorm', label: 'log_norm = log10 Σλ', short: 'log10 Σλ', get: of((s) => s.metrics.logNorm) },
  { id: 'stableRank', label: 'Stable rank Σλ / λmax', short: 'stable rank', get: of((s) => s.metrics.stableRank) },
  { id: 'randDistance', label: 'rand_distance (Jensen–Shannon to the entry-shuffled matrix)', short: 'rand distance', get: of((s) => s.metrics.randDistance) },
  { id: 'sigma', label: 'Entry standard deviation σ', short: 'σ', get: of((s) => s.mp?.sigma) },
];

/** Metrics that follow from α: missing, with the fit's reason, when the fit is unreliable. */
const ALPHA_METRICS: readonly string[] = ['alpha', 'alphaWeighted', 'logAlphaNorm'];

export function metricById(id: string): MetricDef {
  return METRICS.find((m) => m.id === id) ?? METRICS[0]!;
}

export interface Cell {
  layer: number;
  kind: string;
  value: number | null;
  /** Why the value is missing (unreliable fit, non-finite weights), for the tooltip. */
  note?: string;
  /** The matrix holds NaN/Inf: drawn hatched, `note` gives the counts and the tensor. */
  flagged?: true;
}

export function heatmapCells(entries: MatrixSpectra[], metric: MetricDef, flagged: readonly FlaggedSpectra[] = []): Cell[] {
  const cells = entries.map((e): Cell => {
    const value = metric.get(e);
    const a = e.spectrum.metrics.alpha;
    const note = value === null && ALPHA_METRICS.includes(metric.id) ? (a.reason ?? 'no power-law fit') : undefined;
    return { layer: e.layer, kind: e.kind, value, note };
  });
  return [...cells, ...flagged.map((f): Cell => ({ layer: f.layer, kind: f.kind, value: null, note: f.summary, flagged: true }))];
}

/** Mean KS p per layer for each attention kind present: the "randomness vs depth" series. */
export function depthSeries(entries: MatrixSpectra[], kinds: readonly string[] = ['q', 'k', 'v']): { name: string; points: { x: number; y: number }[] }[] {
  return kinds
    .map((kind) => ({
      name: kind,
      points: entries
        .filter((e) => e.kind === kind && finite(e.meanP) !== null)
        .map((e) => ({ x: e.layer, y: e.meanP as number }))
        .sort((a, b) => a.x - b.x),
    }))
    .filter((s) => s.points.length > 0);
}
