/**
 * The CLI subcommand of an analysis, derived from its `Analysis` object: `layer-lens <id> <model>
 * [its options] [--json|--csv]`. The flags become raw options through the analysis's cli.toOptions
 * and are validated by its parseOptions (the same validator as the worker's and the panel's); the
 * result prints as the analysis's table, as JSON, or as its tidy CSV.
 */
import type { Analysis } from '../methods/analysis';
import { tidyCsv } from '../methods/common/csv';
import { csvOption, JSON_OPTION } from './help';
import { toJson, UsageError, type CliCommand } from './types';

export function analysisCommand(a: Analysis): CliCommand {
  return {
    name: a.id,
    summary: a.summary,
    usage: a.cli.usage,
    options: { ...a.cli.options, json: JSON_OPTION, csv: csvOption(a.tidy.columns) },
    async run({ positionals, values }, ctx) {
      if (positionals.length !== 1) throw new UsageError('give exactly one model path');
      const runs = a.cli.toOptions(values).map((raw) => {
        try {
          return a.parseOptions(raw);
        } catch (err) {
          throw new UsageError(err instanceof Error ? err.message : String(err));
        }
      });
      const model = await ctx.model(positionals[0]);
      const runCtx = { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress };
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
    },
  };
}
