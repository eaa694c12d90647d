/**
 * What a report is drawn from, taken from a finished result of each analysis: its tidy rows and
 * wide CSV (the analyses' own csv.ts, the same functions as "Export CSV" and `--csv`) and its
 * notes. Free of Node imports, so the panels use it in the webview; the command line gets the same
 * from the `Analysis` objects.
 */
import { ACTIVATION_TIDY_COLUMNS, activationCsv, activationTidyRows } from '../methods/activation/csv';
import type { ActivationResult } from '../methods/activation/activation';
import { ADAPTER_TIDY_COLUMNS, adapterCsv, adapterTidyRows } from '../methods/adapter/csv';
import type { AdapterResult } from '../methods/adapter/adapter';
import { CORRELATIONS_TIDY_COLUMNS, correlationsCsv, correlationsTidyRows } from '../methods/correlations/csv';
import type { CorrelationsResult } from '../methods/correlations/correlations';
import { DIFF_TIDY_COLUMNS, diffCsv, diffTidyRows } from '../methods/diff/csv';
import type { DiffResult } from '../methods/diff/diff';
import { EXPERTS_TIDY_COLUMNS, expertsCsv, expertsTidyRows } from '../methods/experts/csv';
import type { ExpertsResult } from '../methods/experts/experts';
import { PERSISTENCE_TIDY_COLUMNS, persistenceCsv, persistenceTidyRows } from '../methods/persistence/csv';
import type { PersistenceJobResult, PruneJobResult } from '../methods/persistence/job';
import { SIMILARITY_TIDY_COLUMNS, similarityCsv, similarityTidyRows } from '../methods/similarity/csv';
import type { LayerSimilarityResult } from '../methods/similarity/layerSimilarity';
import { SPECTRA_TIDY_COLUMNS, spectraCsv, spectraTidyRows } from '../methods/spectra/csv';
import type { SpectraResult } from '../methods/spectra/spectra';
import { TIMELINE_TIDY_COLUMNS, timelineCsv, timelineTidyRows } from '../methods/timeline/csv';
import type { TimelineResult } from '../methods/timeline/names';
import type { ReportData } from './sections/index';

type Extract = (result: never) => { tidyColumns: readonly string[]; tidyRows: ReportData['tidyRows']; wideCsv: string };

const EXTRACT: Record<string, Extract> = {
  similarity: (r: LayerSimilarityResult) => ({ tidyColumns: SIMILARITY_TIDY_COLUMNS, tidyRows: similarityTidyRows(r), wideCsv: similarityCsv(r) }),
  spectra: (r: SpectraResult) => ({ tidyColumns: SPECTRA_TIDY_COLUMNS, tidyRows: spectraTidyRows(r), wideCsv: spectraCsv(r) }),
  correlations: (r: CorrelationsResult) => ({ tidyColumns: CORRELATIONS_TIDY_COLUMNS, tidyRows: correlationsTidyRows(r), wideCsv: correlationsCsv(r) }),
  activation: (r: ActivationResult) => ({ tidyColumns: ACTIVATION_TIDY_COLUMNS, tidyRows: activationTidyRows(r), wideCsv: activationCsv(r) }),
  persistence: (r: PersistenceJobResult & { prune?: PruneJobResult }) => ({
    tidyColumns: PERSISTENCE_TIDY_COLUMNS,
    tidyRows: persistenceTidyRows(r, r.prune),
    wideCsv: persistenceCsv(r),
  }),
  experts: (r: ExpertsResult) => ({ tidyColumns: EXPERTS_TIDY_COLUMNS, tidyRows: expertsTidyRows(r), wideCsv: expertsCsv(r) }),
  adapter: (r: AdapterResult) => ({ tidyColumns: ADAPTER_TIDY_COLUMNS, tidyRows: adapterTidyRows(r), wideCsv: adapterCsv(r) }),
  timeline: (r: TimelineResult) => ({ tidyColumns: TIMELINE_TIDY_COLUMNS, tidyRows: timelineTidyRows(r), wideCsv: timelineCsv(r) }),
  diff: (r: DiffResult) => ({ tidyColumns: DIFF_TIDY_COLUMNS, tidyRows: diffTidyRows(r), wideCsv: diffCsv(r) }),
};

/** The analyses a report can be built for from their result alone. */
export const REPORTABLE = Object.keys(EXTRACT);

function notesOf(result: unknown): string[] {
  const r = result as { notes?: unknown; report?: { notes?: unknown } } | null;
  const n = r?.notes ?? r?.report?.notes;
  return Array.isArray(n) ? n.filter((x): x is string => typeof x === 'string') : [];
}

/** The report data of one or more results of `analysis` (several: one run per matrix kind). */
export function reportData(analysis: string, results: readonly unknown[]): ReportData {
  const extract = EXTRACT[analysis];
  if (!extract) throw new Error(`no report is defined for the analysis '${analysis}'`);
  const parts = results.map((r) => extract(r as never));
  return {
    tidyColumns: parts[0]?.tidyColumns ?? [],
    tidyRows: parts.flatMap((p) => p.tidyRows),
    wideCsv: parts.map((p) => p.wideCsv),
    notes: [...new Set(results.flatMap(notesOf))],
  };
}

/** " cpu, 2 threads" from the worker's stamp on a result (computedWith) or a result's own engine field. */
export function providerOf(result: unknown): string | undefined {
  const r = result as { computedWith?: { provider?: unknown; threads?: unknown }; engine?: { provider?: unknown; threads?: unknown } } | null;
  const c = r?.computedWith ?? r?.engine;
  if (!c || typeof c.provider !== 'string') return undefined;
  return typeof c.threads === 'number' ? `${c.provider}, ${c.threads} thread${c.threads === 1 ? '' : 's'}` : c.provider;
}
