/**
 * The spectra result as CSV: one row per matrix and (when analysed) per attention head, with every
 * metric, for "Export CSV" in the panel and `layer-lens spectra --csv`. Non-finite values are empty
 * cells; an unreliable power-law fit has empty alpha cells and its reason in alpha_note; a matrix
 * (or head) holding NaN/Inf has empty metrics and its counts in not_computable.
 */
import type { SpectraResult } from './spectra';
import type { Spectrum } from './spectrum';
import { notComputableReason } from './nonFinite';

export const SPECTRA_CSV_COLUMNS = [
  'layer', 'kind', 'head', 'rows', 'cols', 'sigma', 'mp_lower', 'mp_upper', 'spikes', 'fraction_outside', 'ks_mp',
  'vector_side', 'vectors_tested', 'mean_ks_p', 'fraction_p_below_0.05', 'log_norm', 'log_spectral_norm', 'stable_rank',
  'alpha', 'alpha_xmin', 'alpha_tail', 'alpha_ks', 'alpha_sigma', 'alpha_reliable', 'alpha_weighted', 'alpha_note', 'rand_distance',
  'not_computable',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function spectrumCells(s: Spectrum): unknown[] {
  const m = s.metrics;
  // An unreliable power-law fit is flagged with its reason, never given as a number.
  const a = m.alpha.reliable ? m.alpha : { ...m.alpha, alpha: NaN, ks: NaN, sigma: NaN };
  return [
    s.rows, s.cols, s.mp?.sigma, s.mp?.lower, s.mp?.upper, s.mp?.spikes, s.mp?.fractionOutside, s.mp?.ks,
    s.vectors?.side, s.vectors?.count, s.vectors?.meanP, s.vectors?.fractionBelow05,
    m.logNorm, m.logSpectralNorm, m.stableRank, a.alpha, a.xmin, a.nTail, a.ks, a.sigma,
    a.reliable, m.alpha.reliable ? m.alphaWeighted : NaN, m.alpha.reason ?? '', m.randDistance,
  ];
}

export function spectraCsv(result: SpectraResult): string {
  const lines = [SPECTRA_CSV_COLUMNS.join(',')];
  for (const e of result.entries) {
    lines.push([e.layer, e.kind, '', ...spectrumCells(e.spectrum), ''].map(cell).join(','));
    for (const h of e.heads ?? []) lines.push([e.layer, e.kind, h.head, ...spectrumCells(h.spectrum), ''].map(cell).join(','));
  }
  // Matrices holding NaN/Inf: empty metrics and the reason; their finite heads keep their values.
  const blank = (): string[] => new Array<string>(SPECTRA_CSV_COLUMNS.length - 6).fill('');
  for (const f of result.nonFinite ?? []) {
    lines.push([f.layer, f.kind, '', f.shape[0], f.shape[1], ...blank(), notComputableReason([f])].map(cell).join(','));
    for (const hf of f.headFlags) lines.push([f.layer, f.kind, hf.head, '', '', ...blank(), notComputableReason([hf])].map(cell).join(','));
    for (const h of f.heads) lines.push([f.layer, f.kind, h.head, ...spectrumCells(h.spectrum), ''].map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}
