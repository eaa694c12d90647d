import * as vscode from 'vscode';
import type { SpectraOptions, SpectraResult } from '../../analysis/methods/spectra/spectra';
import { spectraCsv } from '../../analysis/methods/spectra/csv';
import { parseSpectraOptions } from '../../analysis/methods/spectra/options';
import { resolveModelTarget } from '../editor/activeModel';
import { AnalysisPanel } from '../panels/analysisPanel';
import type { CommandSpec } from './types';

/** "Layer Lens: Analyze Weight Spectra" — random-matrix spectra of every layer, in a panel. */
export const analyzeSpectra: CommandSpec = {
  id: 'layerLens.analyzeSpectra',
  async run(ctx, arg?: unknown) {
    if (!vscode.workspace.isTrusted) throw new Error('weight spectra need a trusted workspace: the analysis worker does not run in Restricted Mode.');
    const model = await resolveModelTarget(ctx, arg);
    if (!model) return;
    // Finished matrices are kept on disk, like layer-similarity results, so re-opening is instant.
    AnalysisPanel.open<SpectraOptions, SpectraResult>(ctx, {
      panel: 'spectra',
      title: 'Weight spectra',
      model,
      options: { vectorSide: 'right' },
      parseOptions: parseSpectraOptions,
      run: (options, job) => ctx.worker.request('spectra/run', { path: model, ...options, ...job.cache }, job),
      toCsv: spectraCsv,
    });
  },
};
