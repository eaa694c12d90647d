/**
 * The persistence analysis on the command line: `layer-lens persistence <model> [--domains …]
 * [--per-domain N] [--prompts FILE] [--k 5] [--dim 4] [--max-tokens 2048] [--keep first|last]
 * [--max-pruned-share 0.5] [--prune-out DIR [--prune-ratio P | --prune-layers 1,2] [--heldout FILE]]
 * [--json|--csv]` — its flags, their
 * mapping to run options, the table it prints, and the optional pruned copy written after the run
 * with the perplexities of original and pruned model.
 */
import type { AnalysisCli, CliValues } from '../analysis';
import type { PromptSource } from '../activation/job';
import { stringOption, UsageError } from '../common/cliArgs';
import { BUILTIN_DOMAINS } from '../../prompts/index';
import { runPruneJob, type PersistenceJobResult, type PruneJobResult } from './job';
import { DEFAULT_MAX_PRUNED_SHARE, DEFAULT_MAX_DIM } from './persistence';
import { DEFAULT_MAX_TOKENS, truncationNote } from './truncation';

/** What the command prints: the run's result, with the pruned copy's report after --prune-out. */
export type PersistenceCliResult = PersistenceJobResult & { prune?: PruneJobResult };

/** `--key N` as a number; whether it is a valid option value is parsePersistenceJobParams' to say. */
function numberOption(values: CliValues, key: string): number | undefined {
  const text = stringOption(values, key);
  return text === undefined ? undefined : Number(text);
}

/** The ratio whose suggested layers --prune-out removes. */
function pruneRatio(values: CliValues): number {
  return numberOption(values, 'prune-ratio') ?? 0.9;
}

function sources(values: CliValues): PromptSource[] {
  const out: PromptSource[] = [];
  const file = stringOption(values, 'prompts');
  if (file !== undefined) out.push({ kind: 'file', path: file });
  const domainText = stringOption(values, 'domains');
  if (domainText !== undefined || out.length === 0) {
    const domains =
      domainText !== undefined
        ? domainText
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [...BUILTIN_DOMAINS];
    out.push({ kind: 'builtin', domains, perDomain: numberOption(values, 'per-domain') });
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);

export function formatPersistence(r: PersistenceJobResult, prune?: PruneJobResult): string {
  const dims = r.homologyDims;
  const lines = [
    `${r.model}: ${r.prompts} prompts, k = ${r.k}, clique dim ${r.maxDim}, ${r.instances} simplex instances, ${r.seconds.toFixed(1)} s` +
      ` (forward ${r.forwardSeconds.toFixed(1)} s, k-NN ${(r.timings.knnMs / 1000).toFixed(2)} s, complexes ${(r.timings.complexMs / 1000).toFixed(2)} s,` +
      ` zigzag ${((r.timings.zigzagBuildMs + r.timings.reductionMs) / 1000).toFixed(2)} s)`,
    `tokens: ${truncationNote(r.truncation, r.prompts)}`,
    '',
    `cloud                            ${dims.map((p) => `β${p}`.padStart(5)).join(' ')}  ${dims.map((p) => `S̄${p}`.padStart(6)).join(' ')}`,
  ];
  r.cloudNames.forEach((name, l) => {
    lines.push(
      `${name.padEnd(32)} ${dims.map((p) => String(r.betti[p][l]).padStart(5)).join(' ')}  ${dims.map((p) => f3(r.averageSimilarity[p][l]).padStart(6)).join(' ')}`,
    );
  });
  lines.push('');
  const rs = r.residualStream;
  if (rs) {
    const cellAt = (v: number | undefined) => (v === undefined ? '—' : f3(v)).padStart(9);
    const head = (label: string) => label.padStart(9);
    lines.push(
      `residual stream baselines, hidden_states[ℓ] → hidden_states[ℓ+n] (lower = more redundant; ${rs.prompts} prompts, ${rs.tokens} tokens):`,
      `layer ℓ${head('BI(all)')} ${rs.angularLastToken.map((a) => head(`last n=${a.n}`)).join('')} ${rs.angularAllTokens.map((a) => head(`all n=${a.n}`)).join('')}`,
    );
    rs.blockInfluence.forEach((bi, l) =>
      lines.push(
        `${String(l).padStart(7)}${cellAt(bi)} ${rs.angularLastToken.map((a) => cellAt(a.values[l])).join('')} ${rs.angularAllTokens.map((a) => cellAt(a.values[l])).join('')}`,
      ),
    );
    lines.push('');
  }
  for (const s of r.suggestions) {
    const cap = s.capped ? ` (capped at ${s.maxLayers} of ${r.decoderLayers}: the rule chose ${s.ruleLayers.join(', ')})` : '';
    lines.push(`prune at p = ${s.p}: S̄${r.suggestionDim} ≥ ${f3(s.threshold)} → ${s.layers.length ? `layers ${s.layers.join(', ')}` : 'no layer'}${cap}`);
  }
  if (prune) {
    lines.push(
      '',
      `pruned copy without layers ${prune.prune.removedLayers.join(', ')} written to ${prune.prune.outDir} (${prune.prune.keptLayers} layers)`,
      `perplexity on ${prune.heldOutSource} (${prune.original.tokens} tokens): original ${prune.original.perplexity.toFixed(3)}, pruned ${prune.pruned.perplexity.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}

export const persistenceCli: AnalysisCli<PersistenceCliResult> = {
  usage:
    '<model> [--domains prose,code,math,dialogue] [--per-domain N] [--prompts FILE] [--k 5] [--dim 4] [--max-tokens 2048] [--keep first|last] [--max-pruned-share 0.5] [--prune-out DIR [--prune-ratio 0.9 | --prune-layers 1,2] [--heldout FILE]] [--json|--csv]',
  options: {
    domains: {
      type: 'string',
      value: 'LIST',
      help: `built-in prompt domains, comma-separated from ${BUILTIN_DOMAINS.join(', ')} (default: all, without --prompts)`,
    },
    'per-domain': { type: 'string', value: 'N', help: 'built-in prompts per domain (default: all of them)' },
    prompts: {
      type: 'string',
      value: 'FILE',
      help: 'prompt file: .jsonl (a string or {text, domain} per line) or text with prompts between blank lines',
    },
    k: { type: 'string', value: 'N', help: 'neighbours per point of the k-NN graphs, 1 to 100 (default 5)' },
    dim: {
      type: 'string',
      value: 'N',
      help: `clique complex dimension, 2 to 5; homology is reported below it (default ${DEFAULT_MAX_DIM}, as the paper)`,
    },
    'max-tokens': {
      type: 'string',
      value: 'N',
      help: `tokens a prompt keeps at most (default ${DEFAULT_MAX_TOKENS}, as the paper's code; never more than the model's context)`,
    },
    keep: { type: 'string', value: 'first|last', help: 'which tokens a longer prompt keeps: its first (default, as the paper) or its last' },
    'max-pruned-share': {
      type: 'string',
      value: 'S',
      help: `suggest removing at most this share of the decoder layers, in (0, 1) (default ${DEFAULT_MAX_PRUNED_SHARE}; at least one, never all)`,
    },
    'prune-out': {
      type: 'string',
      value: 'DIR',
      help: 'write a copy without the suggested (or given) layers to DIR and compare perplexities',
    },
    'prune-ratio': {
      type: 'string',
      value: 'P',
      help: 'with --prune-out: prune the layers suggested at ratio P in (0, 1] (default 0.9)',
    },
    'prune-layers': {
      type: 'string',
      value: '1,2',
      help: 'with --prune-out: prune these layers instead of the suggested ones',
    },
    heldout: {
      type: 'string',
      value: 'FILE',
      help: 'with --prune-out: held-out text for the perplexities (default: the built-in prompts)',
    },
  },
  toOptions(values) {
    const pruning = values['prune-ratio'] !== undefined || values['prune-layers'] !== undefined || values.heldout !== undefined;
    if (!stringOption(values, 'prune-out') && pruning) throw new UsageError('--prune-ratio, --prune-layers and --heldout need --prune-out DIR');
    if (values['prune-ratio'] !== undefined && values['prune-layers'] !== undefined) throw new UsageError('give --prune-ratio or --prune-layers, not both');
    const dimText = stringOption(values, 'dim');
    // The run takes a clique dimension of 1 too; the command line keeps to the 2 to 5 its help names.
    if (dimText !== undefined && !(Number(dimText) >= 2)) throw new UsageError(`--dim must be an integer in [2, 5], got '${dimText}'`);
    return [
      {
        prompts: sources(values),
        k: numberOption(values, 'k'),
        maxDim: numberOption(values, 'dim'),
        maxTokens: numberOption(values, 'max-tokens'),
        keep: stringOption(values, 'keep'),
        maxPrunedShare: numberOption(values, 'max-pruned-share'),
        ratios: [...new Set([0.9, 0.8, pruneRatio(values)])],
      },
    ];
  },
  format: ([r]) => formatPersistence(r, r.prune),
  /** --prune-out: the copy without the given layers, or those suggested at --prune-ratio, and both perplexities. */
  async finish(result, values, ctx) {
    const outDir = stringOption(values, 'prune-out');
    if (!outDir) return result;
    const layersText = stringOption(values, 'prune-layers');
    let layers: number[];
    if (layersText !== undefined) {
      layers = layersText.split(',').map((s) => Number(s.trim()));
      if (!layers.every((l) => Number.isInteger(l) && l >= 0)) throw new UsageError('--prune-layers must be a comma-separated list of layer indices');
    } else {
      const ratio = pruneRatio(values);
      layers = result.suggestions.find((s) => s.p === ratio)!.layers;
      if (layers.length === 0) throw new Error(`no layer is suggested at p = ${ratio}: nothing to prune`);
    }
    const heldout = stringOption(values, 'heldout');
    const prune = await runPruneJob(
      ctx.model,
      { layers, outDir, heldOut: heldout !== undefined ? { kind: 'file', path: heldout } : { kind: 'builtin' } },
      { signal: ctx.signal, onProgress: ctx.onProgress, engine: ctx.engine },
    );
    return { ...result, prune };
  },
};
