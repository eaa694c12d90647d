/**
 * Weight spectra (docs/methods.md §3): random-matrix spectra of every weight matrix and attention
 * head — Marchenko–Pastur fit, KS randomness of singular vectors, power-law tail, spectral metrics.
 */
import type { Analysis } from '../analysis';
import { spectraCli } from './cli';
import { SPECTRA_TIDY_COLUMNS, spectraCsv, spectraTidyRows } from './csv';
import { parseSpectraOptions } from './options';
import { runSpectra, type MatrixSpectra, type SpectraOptions, type SpectraResult } from './spectra';

export const spectra = {
  id: 'spectra',
  summary: 'Random-matrix spectra of the weights: Marchenko–Pastur fit, KS randomness of singular vectors per head and layer, spectral metrics',
  parseOptions: parseSpectraOptions,
  run: runSpectra,
  toCsv: spectraCsv,
  tidy: { columns: SPECTRA_TIDY_COLUMNS, rows: spectraTidyRows },
  cli: spectraCli,
} as const satisfies Analysis<'spectra', SpectraOptions, SpectraResult, MatrixSpectra>;
