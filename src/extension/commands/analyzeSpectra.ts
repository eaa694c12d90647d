import type { SpectraOptions, SpectraResult } from '../../analysis/methods/spectra/spectra';
import { spectraCsv } from '../../analysis/methods/spectra/csv';
import { parseSpectraOptions } from '../../analysis/methods/spectra/options';
import { analyzeCommand, openAnalysisPanel } from './analysisCommand';

/** "Layer Lens: Analyze Weight Spectra" — random-matrix spectra of every layer, in a panel. */
export const analyzeSpectra = analyzeCommand('layerLens.analyzeSpectra', 'weight spectra need', (ctx, model) =>
  // Finished matrices are kept on disk, like layer-similarity results, so re-opening is instant.
  openAnalysisPanel<SpectraOptions, SpectraResult>(ctx, model, {
    analysis: 'spectra',
    panel: 'spectra',
    title: 'Weight spectra',
    options: { vectorSide: 'right' },
    parseOptions: parseSpectraOptions,
    toCsv: spectraCsv,
  }),
);
