/**
 * The activation analysis on the command line: `layer-lens activation <model> [--domains prose,code]
 * [--per-domain N] [--prompts FILE] [--text "..."] [--tokens "1,2,3;4,5"] [--tau X | --relative F]
 * [--target R] [--epsilon E] [--max-tokens N] [--json|--csv]` — its flags, their mapping to run
 * options (prompt sources, threshold), and the per-layer table it prints.
 */
import type { AnalysisCli } from '../analysis';
import { UsageError } from '../common/cliArgs';
import { numberFlag as num } from '../common/cliFlags';
import { BUILTIN_DOMAINS } from '../../prompts/index';
import type { ActivationJobParams, ActivationJobResult } from './job';
import { PROMPT_FILE_OPTION, promptSourcesFromFlags, TOKEN_PROMPTS_OPTION } from './promptFlags';

function formatActivation(r: ActivationJobResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
  const lines = [
    `${r.model}: ${r.promptsDone} prompts, τ = ${r.tau.toExponential(3)} (${r.threshold.kind}), ${r.trackedFraction < 1 ? `${pct(r.trackedFraction).trim()} of parameters sampled, ` : ''}${r.seconds.toFixed(1)} s`,
    '',
    `layer  activated  ${r.roles.map((x) => x.padStart(6)).join(' ')}   mean|A|     prune  MLP |a|<${r.epsilon}  sim same  sim cross`,
  ];
  for (let l = 0; l < r.numLayers; l++) {
    const same = r.similarityByDepth.same[l],
      cross = r.similarityByDepth.cross[l];
    lines.push(
      `${String(l).padStart(5)}  ${pct(r.layerFraction[l])}    ${r.roleFraction[l].map((f) => pct(f).slice(1)).join(' ')}   ${r.meanAbsActivation[l].toExponential(2)}  ${pct(r.pruneRatios[l])}  ${pct(r.forwardSparsity[l])}       ${same ? same.median.toFixed(3) : '  —  '}     ${cross ? cross.median.toFixed(3) : '  —  '}`,
    );
  }
  lines.push(
    '',
    `(role columns: activated fraction of each matrix; prune: suggested per-layer ratio, mean ${r.targetPruneRatio}; sim: median pattern similarity)`,
  );
  return lines.join('\n');
}

export const activationCli: AnalysisCli<ActivationJobResult> = {
  usage:
    '<model> [--domains prose,code,math,dialogue] [--per-domain N] [--prompts FILE] [--text "..."] [--tokens "1,2;3,4"] [--tau X | --relative F] [--target R] [--epsilon E] [--max-tokens N] [--json|--csv]',
  options: {
    domains: {
      type: 'string',
      value: 'LIST',
      help: `built-in prompt domains, comma-separated from ${BUILTIN_DOMAINS.join(', ')} (default: all, when no other prompts are given)`,
    },
    'per-domain': { type: 'string', value: 'N', help: 'built-in prompts per domain (default 8)' },
    prompts: PROMPT_FILE_OPTION,
    text: { type: 'string', value: 'TEXT', help: "one prompt as text (needs the model's tokenizer)" },
    tokens: TOKEN_PROMPTS_OPTION,
    tau: { type: 'string', value: 'X', help: 'absolute activation threshold τ (default: chosen from the layer count)' },
    relative: { type: 'string', value: 'F', help: 'threshold τ = F × mean |A| over the run, instead of --tau' },
    target: {
      type: 'string',
      value: 'R',
      help: 'mean pruning ratio the per-layer ratios are spread around, in [0, 1] (default 0.5)',
    },
    epsilon: {
      type: 'string',
      value: 'E',
      help: 'MLP activations with |a| < E count as inactive in the sparsity (default 0.01)',
    },
    'max-tokens': { type: 'string', value: 'N', help: 'longer prompts keep their first N tokens (default 128)' },
  },
  toOptions(values): ActivationJobParams[] {
    const tau = num(values, 'tau'),
      relative = num(values, 'relative');
    if (tau !== undefined && relative !== undefined) throw new UsageError('give --tau or --relative, not both');
    const targetPruneRatio = num(values, 'target');
    return [
      {
        prompts: promptSourcesFromFlags(values, { domainsFlag: 'domains', textFlag: 'text' }),
        threshold: relative !== undefined ? { kind: 'relative', factor: relative } : { kind: 'absolute', tau },
        targetPruneRatio,
        epsilon: num(values, 'epsilon'),
        maxTokens: num(values, 'max-tokens'),
      },
    ];
  },
  format: ([result]) => formatActivation(result),
};
