/**
 * "Export report" of an analysis panel: the panel's current result as one self-contained HTML file
 * (src/analysis/report/html.ts), built here in the webview from the same section builders as
 * `layer-lens <analysis> --html`, and handed to the host, which saves it through the save dialog
 * like the other exports. The webview knows the result and the options; what only the host knows
 * (the model's files, their sizes and times, Layer Lens's version) arrives in `meta`.
 */
import { renderReport } from '../../src/analysis/report/html';
import { providerOf, reportData } from '../../src/analysis/report/resultData';
import { reportSections } from '../../src/analysis/report/sections/index';
import { reportTitle } from '../../src/analysis/report/titles';
import type { ReportContext, ReportModel } from '../../src/analysis/report/types';

/**
 * The host's ReportContext (the analysis id — similarity, spectra, correlations, activation,
 * persistence, experts, adapter, timeline or diff —, the model or models A and B with their files,
 * the version: src/analysis/report/modelFiles.ts reportContext) and the options of the run shown.
 */
export interface PanelReportMeta extends ReportContext {
  settings: object;
}

/** The architecture the result names (most results carry it), for a model the host could not name one for. */
function withArchitecture(models: ReportModel[], result: unknown): ReportModel[] {
  const r = result as { architecture?: unknown; report?: { architectureA?: unknown; architectureB?: unknown } } | null;
  const named = models.length === 2 ? [r?.report?.architectureA, r?.report?.architectureB] : [r?.architecture];
  return models.map((m, i) => (m.architecture || typeof named[i] !== 'string' ? m : { ...m, architecture: named[i] as string }));
}

/** The report's HTML for a panel's result. */
export function panelReportHtml(result: unknown, meta: PanelReportMeta, date = new Date()): string {
  return renderReport({
    title: reportTitle(meta.analysis),
    analysis: meta.analysis,
    models: withArchitecture(meta.models, result),
    settings: meta.settings,
    provider: providerOf(result),
    version: meta.version,
    date: date.toISOString(),
    sections: reportSections(meta.analysis, reportData(meta.analysis, [result])),
  });
}

/**
 * Builds the report of `result` and passes its HTML to `save` (the shell posts it to the host, whose
 * save dialog writes it as .html). Errors are thrown for the shell to show.
 */
export async function exportReport(result: unknown, meta: PanelReportMeta, save: (html: string) => void | Promise<void>): Promise<void> {
  if (result === undefined || result === null) throw new Error('there is no result to report yet');
  await save(panelReportHtml(result, meta));
}
