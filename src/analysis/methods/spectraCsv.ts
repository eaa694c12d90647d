/**
 * The spectra result as CSV: one row per matrix and (when analysed) per attention head, with every
 * metric, for "Export CSV" in the panel. Non-finite values are empty cells.
 */
import type { SpectraResult } from './spectra';
import type { Spectrum } from './spectrum';

export const SPECTRA_CSV_COLUMNS = [
  'layer', 'kind', 'head', 'rows', 'cols', 'sigma', 'mp_lower', 'mp_upper', 'spikes', 'fraction_outside', 'ks_mp',
  'vector_side', 'vectors_tested', 'mean_ks_p', 'fraction_p_below_0.05', 'log_norm', 'log_spectral_norm', 'stable_rank',
  'alpha', 'alpha_xmin', 'alpha_tail', 'alpha_ks', 'alpha_sigma', 'alpha_reliable', 'alpha_weighted', 'rand_distance',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function spectrumCells(s: Spectrum): unknown[] {
  const m = s.metrics;
  return [
    s.rows, s.cols, s.mp?.sigma, s.mp?.lower, s.mp?.upper, s.mp?.spikes, s.mp?.fractionOutside, s.mp?.ks,
    s.vectors?.side, s.vectors?.count, s.vectors?.meanP, s.vectors?.fractionBelow05,
    m.logNorm, m.logSpectralNorm, m.stableRank, m.alpha.alpha, m.alpha.xmin, m.alpha.nTail, m.alpha.ks, m.alpha.sigma,
    m.alpha.reliable, m.alphaWeighted, m.randDistance,
  ];
}

export function spectraCsv(result: SpectraResult): string {
  const lines = [SPECTRA_CSV_COLUMNS.join(',')];
  for (const e of result.entries) {
    lines.push([e.layer, e.kind, '', ...spectrumCells(e.spectrum)].map(cell).join(','));
    for (const h of e.heads ?? []) lines.push([e.layer, e.kind, h.head, ...spectrumCells(h.spectrum)].map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}
