/**
 * `--html FILE` of the command line: the report of a finished run written to FILE (Node only).
 * The subcommands call this with their results' CSV output; the page itself is html.ts's.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { TidyRow } from '../methods/common/csv';
import type { CliOption } from '../methods/analysis';
import { UsageError } from '../methods/common/cliArgs';
import { cliVersion } from '../cli/version';
import { renderReport } from './html';
import { reportModel } from './modelFiles';
import { reportSections } from './sections/index';
import { reportTitle } from './titles';

/** `--html FILE`, on every analysis subcommand, `diff` and `timeline`. */
export const HTML_OPTION: CliOption = {
  type: 'string',
  value: 'FILE',
  help: 'also write a self-contained HTML report (figures, tables, model files, settings) to FILE',
};

export interface CliReport {
  analysis: string;
  models: { path: string; architectureLabel?: string; architecture?: string; files?: readonly string[] }[];
  settings: object;
  engine?: { provider: string; threads: number };
  tidyColumns: readonly string[];
  tidyRows: TidyRow[];
  wideCsv: string[];
  /** The results, for their `notes`. */
  results: readonly unknown[];
}

function resultNotes(results: readonly unknown[]): string[] {
  const notes = results.flatMap((r) => {
    const n = (r as { notes?: unknown } | null)?.notes;
    return Array.isArray(n) ? n.filter((x): x is string => typeof x === 'string') : [];
  });
  return [...new Set(notes)];
}

/**
 * `--html FILE` checked before the run (a long run should not end in "cannot write"): its folder
 * must exist, and FILE must not be a folder. Returns FILE, or undefined without the flag.
 */
export async function reportTarget(values: Record<string, unknown>): Promise<string | undefined> {
  const file = values.html;
  if (file === undefined) return undefined;
  if (typeof file !== 'string' || file === '') throw new UsageError('--html needs a file name');
  const folder = dirname(resolve(file));
  const dir = await stat(folder).catch(() => undefined);
  if (!dir?.isDirectory()) throw new UsageError(`--html: the folder ${folder} does not exist`);
  if ((await stat(file).catch(() => undefined))?.isDirectory()) throw new UsageError(`--html: ${file} is a folder; give a file name`);
  return file;
}

/** The report's HTML (without writing it). */
export async function cliReportHtml(r: CliReport, date = new Date()): Promise<string> {
  return renderReport({
    title: reportTitle(r.analysis),
    analysis: r.analysis,
    models: await Promise.all(r.models.map(reportModel)),
    settings: r.settings,
    provider: r.engine ? `${r.engine.provider}, ${r.engine.threads} thread${r.engine.threads === 1 ? '' : 's'}` : undefined,
    version: cliVersion(),
    date: date.toISOString(),
    sections: reportSections(r.analysis, { tidyColumns: r.tidyColumns, tidyRows: r.tidyRows, wideCsv: r.wideCsv, notes: resultNotes(r.results) }),
  });
}

export async function writeCliReport(file: string, r: CliReport): Promise<void> {
  await writeFile(file, await cliReportHtml(r), 'utf8');
}
