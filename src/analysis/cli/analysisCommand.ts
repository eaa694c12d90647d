/**
 * The CLI subcommand of an analysis, derived from its `Analysis` object: `layer-lens <id> <model>
 * [its options] [--json|--csv]`. The flags become raw options through the analysis's cli.toOptions
 * and are validated by its parseOptions (the same validator as the worker's and the panel's); the
 * result prints as the analysis's table, as JSON, or as its tidy CSV; `--html FILE` also writes the
 * run's self-contained report (report/writeReport.ts).
 */
import type { Analysis } from '../methods/analysis';
import { tidyCsv } from '../methods/common/csv';
import { HTML_OPTION, reportTarget, writeCliReport } from '../report/writeReport';
import { csvOption, JSON_OPTION } from './help';
import { toJson, UsageError, type CliCommand } from './types';

export function analysisCommand(a: Analysis): CliCommand {
  return {
    name: a.id,
    summary: a.summary,
    usage: a.cli.usage,
    options: { ...a.cli.options, json: JSON_OPTION, csv: csvOption(a.tidy.columns), html: HTML_OPTION },
    async run({ positionals, values }, ctx) {
      if (positionals.length !== 1) throw new UsageError('give exactly one model path');
      const runs = a.cli.toOptions(values).map((raw) => {
        try {
          return a.parseOptions(raw);
        } catch (err) {
          throw new UsageError(err instanceof Error ? err.message : String(err));
        }
      });
      const html = await reportTarget(values);
      const model = await ctx.model(positionals[0]);
      const engine = await ctx.engine();
      const runCtx = { engine, signal: ctx.signal, onProgress: ctx.onProgress };
      const results: unknown[] = [];
      for (const options of runs) {
        const result = await a.run(model, options, runCtx);
        results.push(a.cli.finish ? await a.cli.finish(result, values, { ...runCtx, model }) : result);
      }
      if (values.json) ctx.out(toJson(results.length === 1 ? results[0] : results));
      else if (values.csv)
        ctx.out(
          tidyCsv(
            a.tidy.columns,
            results.flatMap((r) => a.tidy.rows(r)),
          ),
        );
      else ctx.out(a.cli.format(results, values));
      if (html) {
        await writeCliReport(html, {
          analysis: a.id,
          models: [model],
          settings: runs.length === 1 ? (runs[0] as Record<string, unknown>) : { runs },
          engine: engine.info,
          tidyColumns: a.tidy.columns,
          tidyRows: results.flatMap((r) => a.tidy.rows(r)),
          wideCsv: results.map((r) => a.toCsv(r)),
          results,
        });
        ctx.err(`wrote ${html}`);
      }
    },
  };
}
