/**
 * The spectra result as CSV. Wide (`spectraCsv`, the panel's "Export CSV"): one row per matrix and
 * (when analysed) per attention head, with every metric. Non-finite values are empty cells; an
 * unreliable power-law fit has empty alpha cells (and alpha_weighted, log_alpha_norm, which follow
 * from α) and its reason in alpha_note; alpha_fit names the fit ('ww': WeightWatcher's, the
 * default; 'clauset'); a matrix (or head) holding NaN/Inf has empty metrics and its counts in
 * not_computable; `expert` names an expert's matrix (`e3`, `shared`; empty outside experts). Tidy
 * (`spectraTidyRows`, `layer-lens spectra --csv`): `layer,kind,expert,head,metric,value`,
 * the same numbers one per row (csv.ts), α by the fit of the run's `alphaFit` option.
 */
import type { SpectraResult } from './spectra';
import type { Spectrum } from './spectrum';
import { notComputableReason } from '../common/nonFinite';
import { csvCell as cell, type TidyRow } from '../common/csv';
import { expertLabel } from './expertTable';
import type { ExpertSelector } from '../../model/types';

/** The expert cell: `e3`, `shared`, empty outside experts. */
const ex = (e: ExpertSelector | undefined): string => (e === undefined ? '' : expertLabel(e));

export const SPECTRA_CSV_COLUMNS = [
  'layer',
  'kind',
  'expert',
  'head',
  'rows',
  'cols',
  'sigma',
  'mp_lower',
  'mp_upper',
  'spikes',
  'fraction_outside',
  'ks_mp',
  'vector_side',
  'vectors_tested',
  'mean_ks_p',
  'fraction_p_below_0.05',
  'log_norm',
  'log_spectral_norm',
  'stable_rank',
  'alpha',
  'alpha_fit',
  'alpha_xmin',
  'alpha_tail',
  'alpha_ks',
  'alpha_sigma',
  'alpha_reliable',
  'alpha_weighted',
  'log_alpha_norm',
  'num_pl_spikes',
  'alpha_note',
  'rand_distance',
  'matrix_rank',
  'matrix_entropy',
  'sigma_mp',
  'mp_softrank',
  'not_computable',
] as const;

function spectrumCells(s: Spectrum): unknown[] {
  const m = s.metrics;
  // An unreliable power-law fit is flagged with its reason, never given as a number.
  const a = m.alpha.reliable ? m.alpha : { ...m.alpha, alpha: NaN, ks: NaN, sigma: NaN };
  return [
    s.rows,
    s.cols,
    s.mp?.sigma,
    s.mp?.lower,
    s.mp?.upper,
    s.mp?.spikes,
    s.mp?.fractionOutside,
    s.mp?.ks,
    s.vectors?.side,
    s.vectors?.count,
    s.vectors?.meanP,
    s.vectors?.fractionBelow05,
    m.logNorm,
    m.logSpectralNorm,
    m.stableRank,
    a.alpha,
    m.alpha.method,
    a.xmin,
    a.nTail,
    a.ks,
    a.sigma,
    a.reliable,
    m.alpha.reliable ? m.alphaWeighted : NaN,
    m.alpha.reliable ? m.logAlphaNorm : NaN,
    m.numPlSpikes,
    m.alpha.reason ?? '',
    m.randDistance,
    m.matrixRank,
    m.matrixEntropy,
    m.sigmaMp,
    m.mpSoftrank,
  ];
}

export function spectraCsv(result: SpectraResult): string {
  const lines = [SPECTRA_CSV_COLUMNS.join(',')];
  for (const e of result.entries) {
    lines.push([e.layer, e.kind, ex(e.expert), '', ...spectrumCells(e.spectrum), ''].map(cell).join(','));
    for (const h of e.heads ?? []) lines.push([e.layer, e.kind, ex(e.expert), h.head, ...spectrumCells(h.spectrum), ''].map(cell).join(','));
  }
  // Matrices holding NaN/Inf: empty metrics and the reason; their finite heads keep their values.
  const blank = (): string[] => new Array<string>(SPECTRA_CSV_COLUMNS.length - 7).fill('');
  for (const f of result.nonFinite ?? []) {
    const x = ex(f.expert);
    lines.push([f.layer, f.kind, x, '', f.shape[0], f.shape[1], ...blank(), notComputableReason([f])].map(cell).join(','));
    for (const hf of f.headFlags) lines.push([f.layer, f.kind, x, hf.head, '', '', ...blank(), notComputableReason([hf])].map(cell).join(','));
    for (const h of f.heads) lines.push([f.layer, f.kind, x, h.head, ...spectrumCells(h.spectrum), ''].map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}

export const SPECTRA_TIDY_COLUMNS = ['layer', 'kind', 'expert', 'head', 'metric', 'value'] as const;

/** Metric names of the tidy rows, in row order: the wide columns that hold numbers. */
const TIDY_METRICS: readonly string[] = SPECTRA_CSV_COLUMNS.slice(4, -1).filter((c) => c !== 'vector_side' && c !== 'alpha_note' && c !== 'alpha_fit');

/** The wide columns spectrumCells fills, rows … mp_softrank, in its order. */
const SPECTRUM_COLUMNS: readonly string[] = SPECTRA_CSV_COLUMNS.slice(4, -1);

/** The tidy values of one spectrum; without one (NaN/Inf in the weights) every value is NaN but the shape. */
function tidyValues(s: Spectrum | undefined, shape?: [number, number]): number[] {
  if (!s) return TIDY_METRICS.map((m) => (m === 'rows' ? shape?.[0] : m === 'cols' ? shape?.[1] : undefined) ?? NaN);
  const cells = spectrumCells(s);
  return TIDY_METRICS.map((m) => {
    const v = cells[SPECTRUM_COLUMNS.indexOf(m)];
    return typeof v === 'boolean' ? Number(v) : typeof v === 'number' ? v : NaN;
  });
}

/**
 * Tidy rows: every metric of every matrix (head empty) and head; `randomness` on a matrix row is its
 * point of randomness vs depth (mean KS p over its heads when heads are analysed). A matrix or head
 * holding NaN/Inf has its rows with empty values (rows and cols kept) and `non_finite`, the count.
 */
export function spectraTidyRows(result: SpectraResult): TidyRow[] {
  const out: TidyRow[] = [];
  const push = (layer: number, kind: string, expert: string, head: number | undefined, values: number[]) => {
    TIDY_METRICS.forEach((metric, i) => out.push({ layer, kind, expert, head, metric, value: values[i] }));
  };
  for (const e of result.entries) {
    const expert = ex(e.expert);
    push(e.layer, e.kind, expert, undefined, tidyValues(e.spectrum));
    out.push({ layer: e.layer, kind: e.kind, expert, metric: 'randomness', value: e.meanP });
    for (const h of e.heads ?? []) push(e.layer, e.kind, expert, h.head, tidyValues(h.spectrum));
  }
  for (const f of result.nonFinite ?? []) {
    const expert = ex(f.expert);
    push(f.layer, f.kind, expert, undefined, tidyValues(undefined, f.shape));
    out.push({ layer: f.layer, kind: f.kind, expert, metric: 'non_finite', value: f.nan + f.posInf + f.negInf });
    for (const hf of f.headFlags) {
      push(f.layer, f.kind, expert, hf.head, tidyValues(undefined));
      out.push({ layer: f.layer, kind: f.kind, expert, head: hf.head, metric: 'non_finite', value: hf.nan + hf.posInf + hf.negInf });
    }
    for (const h of f.heads) push(f.layer, f.kind, expert, h.head, tidyValues(h.spectrum));
  }
  return out;
}
