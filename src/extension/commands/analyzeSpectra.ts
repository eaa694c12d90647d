import type { SpectraOptions, SpectraResult } from '../../analysis/methods/spectra/spectra';
import { spectraCsv } from '../../analysis/methods/spectra/csv';
import { parseSpectraOptions } from '../../analysis/methods/spectra/options';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';

/** The weight-spectra panel with `options` for its first run. */
export function spectraPanel(options: SpectraOptions = { vectorSide: 'right' }): AnalysisPanelOf<SpectraOptions, SpectraResult> {
  return {
    analysis: 'spectra',
    panel: 'spectra',
    title: 'Weight spectra',
    options,
    parseOptions: parseSpectraOptions,
    toCsv: spectraCsv,
  };
}

/** "Layer Lens: Analyze Weight Spectra" — random-matrix spectra of every layer, in a panel. */
export const analyzeSpectra = analyzeCommand('layerLens.analyzeSpectra', 'weight spectra need', (ctx, model) =>
  // Finished matrices are kept on disk, like layer-similarity results, so re-opening is instant.
  openAnalysisPanel(ctx, model, spectraPanel()),
);
