/**
 * `layer-lens activation-prune <model> [--target 0.5] [--lambda 0.08] [--text FILE] [--domains]
 * [--per-domain N] [--held-out N] [--prompts FILE] [--tokens "1,2;3,4"] [--relative F] [--json|--csv]`:
 * Wanda pruning at uniform vs activation-density-derived layer ratios, perplexity on held-out text,
 * and with --domains the calibration-domain × evaluation-domain perplexity matrix.
 */
import { csvOption, JSON_OPTION } from '../../../cli/help';
import { toJson, UsageError, type CliCommand } from '../../../cli/types';
import { BUILTIN_DOMAINS } from '../../../prompts/index';
import { numberFlag as num, validatedFlags } from '../../common/cliFlags';
import { tidyCsv } from '../../common/csv';
import { PROMPT_FILE_OPTION, promptSourcesFromFlags, TOKEN_PROMPTS_OPTION } from '../promptFlags';
import { PRUNE_EXPERIMENT_TIDY_COLUMNS, pruneExperimentTidyRows } from './csv';
import { runPruneExperimentJob, type PruneExperimentJobResult } from './job';
import { parsePruneExperimentOptions } from './options';

export function formatPruneExperiment(r: PruneExperimentJobResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const ppl = (x: number) => (x >= 1e5 ? x.toExponential(3) : x.toFixed(3));
  const lines = [
    `${r.model}: Wanda on q, k, v, o, gate, up, down; mean ratio ${pct(r.targetPruneRatio)}, λ = ${r.lambda}; ${r.calibrationPrompts} calibration prompts; ` +
      `held out: ${r.heldOutSource === 'text file' ? 'the text file' : 'the last prompts of each domain'} (${r.heldOutSequences} sequences, ${r.heldOutTokens} tokens); ${r.seconds.toFixed(1)} s`,
    '',
    'perplexity       unpruned    uniform    density-derived',
    `                 ${ppl(r.unpruned).padStart(9)}  ${ppl(r.uniform.perplexity).padStart(9)}  ${ppl(r.derived.perplexity).padStart(9)}`,
    `sparsity                    ${pct(r.uniform.totalSparsity).padStart(9)}  ${pct(r.derived.totalSparsity).padStart(9)}`,
    '',
    'layer  density  uniform  derived',
    ...r.density.map(
      (d, l) => `${String(l).padStart(5)}  ${pct(d).padStart(7)}  ${pct(r.uniform.ratios[l]).padStart(7)}  ${pct(r.derived.ratios[l]).padStart(7)}`,
    ),
  ];
  const d = r.domains;
  if (d) {
    const w = Math.max(10, ...d.names.map((n) => n.length + 2));
    lines.push('', 'perplexity by calibration domain (rows) and held-out domain (columns)', `${''.padEnd(w)}${d.names.map((n) => n.padStart(w)).join('')}`);
    lines.push(`${'unpruned'.padEnd(w)}${d.unpruned.map((x) => ppl(x).padStart(w)).join('')}`);
    d.names.forEach((n, i) => lines.push(`${n.padEnd(w)}${d.perplexity[i].map((x) => ppl(x).padStart(w)).join('')}`));
  }
  return lines.join('\n');
}

export const activationPrune: CliCommand = {
  name: 'activation-prune',
  summary: 'Wanda pruning at activation-density-derived vs uniform layer ratios: held-out perplexity (and per calibration domain)',
  usage:
    '<model> [--target 0.5] [--lambda 0.08] [--text FILE] [--domains] [--prompt-domains prose,code] [--per-domain N] [--held-out N] [--prompts FILE] [--tokens "1,2;3,4"] [--relative F] [--json|--csv]',
  options: {
    target: { type: 'string', value: 'R', help: 'mean pruning ratio over layers, in [0, 1] (default 0.5)' },
    lambda: { type: 'string', value: 'λ', help: "OWL's λ: layer ratios spread over target ± 2λ (default 0.08)" },
    text: { type: 'string', value: 'FILE', help: 'held-out text file for the perplexity (default: held-out prompts of each domain)' },
    domains: { type: 'boolean', help: 'also prune with each domain as calibration and evaluate on every domain (a domain × domain matrix)' },
    'prompt-domains': { type: 'string', value: 'LIST', help: `built-in prompt sets to use (default ${BUILTIN_DOMAINS.join(',')})` },
    'per-domain': { type: 'string', value: 'N', help: 'calibration prompts per built-in domain (default 8)' },
    'held-out': { type: 'string', value: 'N', help: "held-out prompts at the end of each domain's prompts (default 2)" },
    prompts: PROMPT_FILE_OPTION,
    tokens: TOKEN_PROMPTS_OPTION,
    relative: { type: 'string', value: 'F', help: 'activation threshold as a multiple of the mean |A| (default: the absolute τ)' },
    'max-tokens': { type: 'string', value: 'N', help: 'longer prompts keep their first N tokens; held-out text window (default 128)' },
    json: JSON_OPTION,
    csv: csvOption(PRUNE_EXPERIMENT_TIDY_COLUMNS),
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model path');
    if (values.json && values.csv) throw new UsageError('--json and --csv cannot be combined');
    const relative = num(values, 'relative');
    const raw: Record<string, unknown> = {
      prompts: promptSourcesFromFlags(values, { domainsFlag: 'prompt-domains' }),
      targetPruneRatio: num(values, 'target'),
      lambda: num(values, 'lambda'),
      heldOutText: values.text,
      domains: values.domains === true ? true : undefined,
      heldOutPerDomain: num(values, 'held-out'),
      maxTokens: num(values, 'max-tokens'),
      threshold: relative === undefined ? undefined : { kind: 'relative', factor: relative },
    };
    const params = validatedFlags(() => parsePruneExperimentOptions(raw));
    const model = await ctx.model(positionals[0]);
    const r = await runPruneExperimentJob(model, params, { signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() });
    ctx.out(values.json ? toJson(r) : values.csv ? tidyCsv(PRUNE_EXPERIMENT_TIDY_COLUMNS, pruneExperimentTidyRows(r)) : formatPruneExperiment(r));
  },
};
