/**
 * `layer-lens activation-sts <model> [--pairs FILE] [--max-pairs N] [--max-tokens N] [--json|--csv]`:
 * per layer, Spearman's ρ between the activation-pattern similarity of scored sentence pairs and
 * their human scores, with p-values; the built-in sample pairs unless --pairs names a file.
 */
import { tidyCsv } from '../../common/csv';
import { csvOption, JSON_OPTION } from '../../../cli/help';
import { toJson, UsageError, type CliCommand } from '../../../cli/types';
import { stringOption } from '../../common/cliArgs';
import { integerFlag as integer, validatedFlags } from '../../common/cliFlags';
import { STS_TIDY_COLUMNS, stsTidyRows } from './csv';
import { readStsPairs, runStsJob, type StsJobResult } from './job';
import { parseStsParams } from './options';

function fmt(v: number, digits = 3): string {
  if (Number.isNaN(v)) return '–';
  return Math.abs(v) !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(1) : v.toFixed(digits);
}

export function formatSts(r: StsJobResult): string {
  const used = r.pairs.length < r.pairsInSource ? ` (first ${r.pairs.length} of ${r.pairsInSource})` : '';
  const lines = [
    `${r.model}: ${r.pairs.length} scored pairs from ${r.source}${used}, ${r.trackedFraction < 1 ? `${(100 * r.trackedFraction).toFixed(1)}% of parameters sampled, ` : ''}${r.seconds.toFixed(1)} s`,
    '',
    'layer   Spearman ρ   p-value     n   mean sim',
  ];
  for (const c of r.layers) {
    const mean = r.pairs.reduce((a, p) => a + p.similarity[c.layer], 0) / r.pairs.length;
    lines.push(
      `${String(c.layer).padStart(5)}   ${fmt(c.rho).padStart(10)}   ${fmt(c.p).padStart(7)}${c.p < 0.05 ? '*' : ' '} ${String(c.n).padStart(5)}   ${fmt(mean).padStart(8)}`,
    );
  }
  lines.push(
    '',
    "ρ: rank correlation of the pairs' activation-pattern similarity with their human scores; p: two-sided, t approximation with n − 2 degrees of freedom (* p < 0.05)",
  );
  return lines.join('\n');
}

export const activationStsCommand: CliCommand = {
  name: 'activation-sts',
  summary: 'Semantic similarity by depth: Spearman ρ per layer between activation-pattern similarity of sentence pairs and human scores (STS-B, SICK)',
  usage: '<model> [--pairs FILE] [--max-pairs N] [--max-tokens N] [--json|--csv]',
  options: {
    pairs: {
      type: 'string',
      value: 'FILE',
      help: 'scored sentence pairs: TSV with a header (sentence1, sentence2, score columns; GLUE STS-B and SICK layouts) or JSONL (default: the built-in sample of 40 pairs)',
    },
    'max-pairs': { type: 'string', value: 'N', help: 'use the first N pairs of the file (at least 3)' },
    'max-tokens': { type: 'string', value: 'N', help: 'longer sentences keep their first N tokens (default 128)' },
    json: JSON_OPTION,
    csv: csvOption(STS_TIDY_COLUMNS),
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model path');
    if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
    const file = stringOption(values, 'pairs');
    const params = validatedFlags(() =>
      parseStsParams({
        pairs: file === undefined ? { kind: 'sample' } : { kind: 'file', path: file },
        maxPairs: integer(values, 'max-pairs'),
        maxTokens: integer(values, 'max-tokens'),
      }),
    );
    const model = await ctx.model(positionals[0]);
    // A malformed pairs file fails before the engine starts.
    await readStsPairs(params.pairs);
    const result = await runStsJob(model, params, { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress });
    ctx.out(values.json ? toJson(result) : values.csv ? tidyCsv(STS_TIDY_COLUMNS, stsTidyRows(result)) : formatSts(result));
  },
};
