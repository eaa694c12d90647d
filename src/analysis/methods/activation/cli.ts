/**
 * The activation analysis on the command line: `layer-lens activation <model> [--domains prose,code]
 * [--per-domain N] [--prompts FILE] [--text "..."] [--tokens "1,2,3;4,5"] [--tau X | --relative F]
 * [--target R] [--epsilon E] [--max-tokens N] [--json|--csv]` — its flags, their mapping to run
 * options (prompt sources, threshold), and the per-layer table it prints.
 */
import type { AnalysisCli, CliValues } from '../analysis';
import { UsageError } from '../common/cliArgs';
import { parseTokenIds } from '../../model/tokenizer';
import { BUILTIN_DOMAINS } from '../../prompts/index';
import type { ActivationJobParams, ActivationJobResult, PromptSource } from './job';

/** `--key` as a number (syntax only: the range is parseActivationRunOptions's to check). */
function num(values: CliValues, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got '${v}'`);
  return n;
}

function sources(values: CliValues): PromptSource[] {
  const out: PromptSource[] = [];
  if (typeof values.prompts === 'string') out.push({ kind: 'file', path: values.prompts });
  if (typeof values.text === 'string') out.push({ kind: 'text', text: values.text });
  if (typeof values.tokens === 'string') out.push({ kind: 'tokens', ids: values.tokens.split(';').map((s) => parseTokenIds(s)) });
  const perDomain = num(values, 'per-domain');
  if (typeof values.domains === 'string' || out.length === 0) {
    const domains =
      typeof values.domains === 'string'
        ? values.domains
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [...BUILTIN_DOMAINS];
    out.push({ kind: 'builtin', domains, perDomain: perDomain ?? 8 });
  }
  return out;
}

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
    prompts: {
      type: 'string',
      value: 'FILE',
      help: 'prompt file: .jsonl (a string or {text, domain} per line) or text with prompts between blank lines',
    },
    text: { type: 'string', value: 'TEXT', help: "one prompt as text (needs the model's tokenizer)" },
    tokens: { type: 'string', value: 'IDS', help: 'prompts as token ids: ids comma-separated, prompts separated by ;' },
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
        prompts: sources(values),
        threshold: relative !== undefined ? { kind: 'relative', factor: relative } : { kind: 'absolute', tau },
        targetPruneRatio,
        epsilon: num(values, 'epsilon'),
        maxTokens: num(values, 'max-tokens'),
      },
    ];
  },
  format: ([result]) => formatActivation(result),
};
