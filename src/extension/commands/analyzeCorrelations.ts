import type { CorrelationsOptions, CorrelationsResult } from '../../analysis/methods/correlations/correlations';
import { correlationsCsv } from '../../analysis/methods/correlations/csv';
import { parseCorrelationsOptions, parseHeadValuesQuery } from '../../analysis/methods/correlations/options';
import type { LayerLensContext } from '../context';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';

/** "Layer Lens: Analyze Weight Correlations" — measures M1–M8 between attention and MLP matrices, in a panel. */
export const analyzeCorrelations = analyzeCommand('layerLens.analyzeCorrelations', 'weight correlations need', (ctx, model) =>
  // Finished layers are kept on disk, like spectra, so re-opening is instant.
  openAnalysisPanel(ctx, model, correlationsPanel(ctx, model)),
);

/** The weight-correlations panel of `model` with `options` for its first run. */
export function correlationsPanel(
  ctx: LayerLensContext,
  model: string,
  options: CorrelationsOptions = {},
): AnalysisPanelOf<CorrelationsOptions, CorrelationsResult> {
  return {
    analysis: 'correlations',
    panel: 'correlations',
    title: 'Weight correlations',
    options,
    parseOptions: parseCorrelationsOptions,
    toCsv: correlationsCsv,
    // Clicking a head asks for the entries of the two matrices behind that measure; the model
    // path is the panel's own, never one from the webview.
    async onRequest(name, payload, job) {
      if (name !== 'headValues') throw new Error(`unknown request '${name}'`);
      return ctx.worker.request('correlations/values', { path: model, ...parseHeadValuesQuery(payload) }, { signal: job.signal });
    },
  };
}
