import * as vscode from 'vscode';
import type { CorrelationsOptions, CorrelationsResult } from '../../analysis/methods/correlations/correlations';
import { correlationsCsv } from '../../analysis/methods/correlations/csv';
import { parseCorrelationsOptions, parseHeadValuesQuery } from '../../analysis/methods/correlations/options';
import { resolveModelTarget } from '../editor/activeModel';
import { AnalysisPanel } from '../panels/analysisPanel';
import type { CommandSpec } from './types';

/** "Layer Lens: Analyze Weight Correlations" — measures M1–M8 between attention and MLP matrices, in a panel. */
export const analyzeCorrelations: CommandSpec = {
  id: 'layerLens.analyzeCorrelations',
  async run(ctx, arg?: unknown) {
    if (!vscode.workspace.isTrusted) throw new Error('weight correlations need a trusted workspace: the analysis worker does not run in Restricted Mode.');
    const model = await resolveModelTarget(ctx, arg);
    if (!model) return;
    // Finished layers are kept on disk, like spectra, so re-opening is instant.
    return AnalysisPanel.open<CorrelationsOptions, CorrelationsResult>(ctx, {
      panel: 'correlations',
      title: 'Weight correlations',
      model,
      options: {},
      parseOptions: parseCorrelationsOptions,
      run: (options, job) => ctx.worker.request('correlations/run', { path: model, ...options, ...job.cache }, job),
      toCsv: correlationsCsv,
      // Clicking a head asks for the entries of the two matrices behind that measure; the model
      // path is the panel's own, never one from the webview.
      async onRequest(name, payload, job) {
        if (name !== 'headValues') throw new Error(`unknown request '${name}'`);
        return ctx.worker.request('correlations/values', { path: model, ...parseHeadValuesQuery(payload) }, { signal: job.signal });
      },
    });
  },
};
