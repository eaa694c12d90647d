/**
 * An analysis result as report sections: the figures of its plan (drawn from its tidy rows, within a
 * size budget), its wide CSV as tables (one per run, e.g. one per matrix kind of a similarity run),
 * every tidy value in a closed CSV block, then the run's notes. Free of Node imports: the panels
 * build the same sections in the webview.
 */
import type { TidyRow } from '../../methods/common/csv';
import { planFigures, type FigurePlan } from '../figures';
import { csvTable, tidyTable } from '../tables';
import type { ReportFigure, ReportSection, ReportTable } from '../types';
import { activationPlans } from './activation';
import { adapterPlans } from './adapter';
import { correlationsPlans } from './correlations';
import { diffPlans } from './diff';
import { expertsPlans } from './experts';
import { persistencePlans } from './persistence';
import { similarityPlans } from './similarity';
import { spectraPlans } from './spectra';
import { timelinePlans } from './timeline';

/** What a report is drawn from: the analysis's own CSV output. */
export interface ReportData {
  /** The tidy CSV's key columns, then metric and value. */
  tidyColumns: readonly string[];
  /** The tidy rows (`--csv`) of every run. */
  tidyRows: TidyRow[];
  /** The wide CSV ("Export CSV") of each run. */
  wideCsv: string[];
  /** What the runs left out and why, said plainly. */
  notes?: string[];
}

const PLANS: Record<string, (rows: readonly TidyRow[]) => FigurePlan[]> = {
  similarity: similarityPlans,
  spectra: spectraPlans,
  correlations: correlationsPlans,
  diff: diffPlans,
  timeline: timelinePlans,
  activation: activationPlans,
  persistence: persistencePlans,
  adapter: adapterPlans,
  experts: expertsPlans,
};

/**
 * Characters of SVG a report holds at most (about 8 MiB): a similarity run of every index and kind
 * on an 80-layer model would draw 70 heatmaps of 6,000 cells each. Figures past it are named in a
 * note instead; their values are in the tables.
 */
export const FIGURE_BUDGET_CHARS = 8 << 20;

/** A run's table caption: the matrix kind it is of, where all its rows share one (similarity runs once per kind). */
function runCaption(t: ReportTable, i: number, n: number): string {
  const k = t.columns.indexOf('kind');
  const kinds = new Set(k < 0 ? [] : t.rows.map((r) => r[k]));
  return kinds.size === 1 ? `kind ${[...kinds][0]}` : `Run ${i + 1} of ${n}`;
}

export function reportSections(analysis: string, data: ReportData): ReportSection[] {
  const drawn = planFigures(data.tidyRows, PLANS[analysis]?.(data.tidyRows) ?? []);
  const figures: ReportFigure[] = [];
  const omitted: string[] = [];
  let chars = 0;
  for (const f of drawn) {
    if (chars + f.svg.length > FIGURE_BUDGET_CHARS && figures.length) omitted.push(f.caption);
    else {
      figures.push(f);
      chars += f.svg.length;
    }
  }
  const sections: ReportSection[] = [];
  if (figures.length)
    sections.push({
      heading: 'Figures',
      figures,
      tables: [],
      notes: omitted.length
        ? [`${omitted.length} more figures are left out to keep the file small (their values are in the tables): ${omitted.join('; ')}.`]
        : [],
    });
  sections.push({
    heading: 'Values',
    figures: [],
    tables: data.wideCsv.map((csv, i) => {
      const table = csvTable(csv);
      return data.wideCsv.length > 1 ? { ...table, caption: runCaption(table, i, data.wideCsv.length) } : table;
    }),
    notes: ['The result as its CSV export holds it (empty cells: not computed or not finite).'],
  });
  if (data.tidyRows.length)
    sections.push({
      heading: 'All values, one per row',
      figures: [],
      tables: [{ ...tidyTable(data.tidyColumns, data.tidyRows), preview: 0 }],
      notes: [`Every value the run computed, as layer-lens ${analysis} --csv prints it: key columns, then metric and value.`],
    });
  if (data.notes?.length) sections.push({ heading: 'Notes', figures: [], tables: [], notes: data.notes });
  return sections;
}
