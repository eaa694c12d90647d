/**
 * `layer-lens prune-curves <model> [persistence prompt flags] [--max-removed N] [--methods zigzag,angular,bi]
 * [--text FILE] [--choices FILE] [--max-eval-tokens N] [--save-pruned DIR --save-point METHOD:N] [--json|--csv]`:
 * perplexity (and multiple-choice accuracy) against layers removed, one curve per method. Points
 * are printed as they are measured; --save-pruned writes one point's model as a loadable folder.
 */
import { tidyCsv } from '../../common/csv';
import { stringOption } from '../../common/cliArgs';
import { integerFlag, validatedFlags } from '../../common/cliFlags';
import { csvOption, JSON_OPTION } from '../../../cli/help';
import { toJson, UsageError, type CliCommand } from '../../../cli/types';
import { persistenceCli } from '../cli';
import { writePrunedModel } from '../prune';
import { formatPruneCurves, pointLine, PRUNE_CURVES_TIDY_COLUMNS, pruneCurvesTidyRows } from './format';
import { runPruneCurvesJob } from './job';
import { parsePruneCurvesParams } from './options';
import { CURVE_METHODS, type CurveMethod } from './removal';

/** The persistence command's prompt and analysis flags (not its --prune-* ones). */
const PERSISTENCE_FLAGS = ['domains', 'per-domain', 'prompts', 'k', 'dim', 'max-tokens', 'keep', 'max-pruned-share'];

function savePoint(text: string): { method: CurveMethod; n: number } {
  const [method, n] = text.split(':');
  if (!(CURVE_METHODS as readonly string[]).includes(method) || !/^\d+$/.test(n ?? ''))
    throw new UsageError(`--save-point must be METHOD:N with METHOD one of ${CURVE_METHODS.join(', ')}, got '${text}'`);
  return { method: method as CurveMethod, n: Number(n) };
}

export const pruneCurvesCommand: CliCommand = {
  name: 'prune-curves',
  summary: 'Perplexity (and multiple-choice accuracy) against layers removed: zigzag persistence, angular block and Block Influence side by side',
  usage:
    '<model> [--domains …] [--per-domain N] [--prompts FILE] [--k 5] [--dim 4] [--max-removed N] [--methods zigzag,angular,bi] [--text FILE] [--choices FILE] [--max-eval-tokens 2048] [--save-pruned DIR --save-point METHOD:N] [--json|--csv]',
  options: {
    ...Object.fromEntries(PERSISTENCE_FLAGS.map((k) => [k, persistenceCli.options[k]])),
    'max-removed': { type: 'string', value: 'N', help: 'largest number of layers removed (default ⌈L/2⌉, at most L − 1)' },
    methods: { type: 'string', value: 'LIST', help: `methods drawn, comma-separated from ${CURVE_METHODS.join(', ')} (default: all)` },
    text: { type: 'string', value: 'FILE', help: 'held-out text for the perplexities (default: the built-in prompts joined)' },
    choices: {
      type: 'string',
      value: 'FILE',
      help: 'multiple-choice JSONL ({"ctx", "endings", "label"} or {"query", "choices", "gold"} per line) for acc and acc_norm',
    },
    'max-eval-tokens': { type: 'string', value: 'N', help: 'held-out tokens measured (default 2048)' },
    'save-pruned': { type: 'string', value: 'DIR', help: 'also write the model of one point (--save-point) as a loadable folder' },
    'save-point': { type: 'string', value: 'METHOD:N', help: 'with --save-pruned: the point whose layers are removed, e.g. zigzag:2' },
    json: JSON_OPTION,
    csv: csvOption(PRUNE_CURVES_TIDY_COLUMNS),
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model');
    if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
    const saveDir = stringOption(values, 'save-pruned');
    const saveText = stringOption(values, 'save-point');
    if ((saveDir === undefined) !== (saveText === undefined)) throw new UsageError('--save-pruned and --save-point go together');
    const save = saveText !== undefined ? savePoint(saveText) : null;
    const text = stringOption(values, 'text');
    const methods = stringOption(values, 'methods')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const params = validatedFlags(() =>
      parsePruneCurvesParams({
        persistence: persistenceCli.toOptions(values)[0],
        maxRemoved: integerFlag(values, 'max-removed'),
        maxEvalTokens: integerFlag(values, 'max-eval-tokens'),
        heldOut: text !== undefined ? { kind: 'file', path: text } : undefined,
        choicesFile: stringOption(values, 'choices'),
        methods,
      }),
    );
    if (save && params.maxRemoved !== undefined && save.n > params.maxRemoved)
      throw new UsageError(`--save-point n = ${save.n} is above --max-removed ${params.maxRemoved}`);
    const model = await ctx.model(positionals[0]);
    const streaming = !values.json && !values.csv;
    const result = await runPruneCurvesJob(model, params, {
      engine: await ctx.engine(),
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onPartial: streaming ? (p) => ctx.err(pointLine(p)) : undefined,
    });
    if (values.json) ctx.out(toJson(result));
    else if (values.csv) ctx.out(tidyCsv(PRUNE_CURVES_TIDY_COLUMNS, pruneCurvesTidyRows(result)));
    else ctx.out(formatPruneCurves(result));
    if (save && saveDir !== undefined) {
      const point = result.points.find((p) => p.method === save.method && p.n === save.n);
      if (!point) throw new Error(`no point ${save.method}:${save.n} was measured (n = 0..${result.maxRemoved}, methods ${result.methods.join(', ')})`);
      if (point.removed.length === 0) throw new Error('the point removes no layer: there is nothing to write');
      const report = await writePrunedModel(model, point.removed, saveDir, { signal: ctx.signal });
      ctx.err(`wrote ${report.outDir}: without layers ${report.removedLayers.join(', ')} (${report.keptLayers} layers)`);
    }
  },
};
