/**
 * `layer-lens persistence <model> [--domains …] [--per-domain N] [--prompts FILE] [--k 5] [--dim 3]
 *  [--max-tokens N] [--prune-out DIR [--prune-ratio P | --prune-layers 1,2] [--heldout FILE]] [--json|--csv]`:
 * zigzag persistence similarity of the hidden states, pruning suggestions, and optionally a pruned
 * copy with the perplexities of original and pruned model.
 */
import { runPersistenceJob, runPruneJob, type PersistenceJobResult, type PruneJobResult } from '../methods/persistence/job';
import type { PromptSource } from '../methods/activation/job';
import { tidyCsv } from '../methods/common/csv';
import { PERSISTENCE_TIDY_COLUMNS, persistenceTidyRows } from '../methods/persistence/csv';
import { BUILTIN_DOMAINS } from '../prompts/index';
import { csvOption, JSON_OPTION } from './help';
import { toJson, UsageError, type CliCommand, type CliValues } from './types';

function int(values: CliValues, key: string, min: number, max: number): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${key} must be an integer in [${min}, ${max}], got '${String(v)}'`);
  return n;
}

function sources(values: CliValues): PromptSource[] {
  const out: PromptSource[] = [];
  if (typeof values.prompts === 'string') out.push({ kind: 'file', path: values.prompts });
  if (typeof values.domains === 'string' || out.length === 0) {
    const domains =
      typeof values.domains === 'string'
        ? values.domains
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [...BUILTIN_DOMAINS];
    out.push({ kind: 'builtin', domains, perDomain: int(values, 'per-domain', 1, 100000) });
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
    '',
    `cloud                            ${dims.map((p) => `β${p}`.padStart(5)).join(' ')}  ${dims.map((p) => `S̄${p}`.padStart(6)).join(' ')}   BI      angular(n=1)`,
  ];
  r.cloudNames.forEach((name, l) => {
    lines.push(
      `${name.padEnd(32)} ${dims.map((p) => String(r.betti[p][l]).padStart(5)).join(' ')}  ${dims.map((p) => f3(r.averageSimilarity[p][l]).padStart(6)).join(' ')}   ` +
        `${l < r.blockInfluence.length ? f3(r.blockInfluence[l]) : '  —  '}   ${r.angular[0] && l < r.angular[0].values.length ? f3(r.angular[0].values[l]) : '  —'}`,
    );
  });
  lines.push('');
  for (const s of r.suggestions) {
    lines.push(`prune at p = ${s.p}: S̄${r.suggestionDim} ≥ ${f3(s.threshold)} → ${s.layers.length ? `layers ${s.layers.join(', ')}` : 'no layer'}`);
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

export const persistence: CliCommand = {
  name: 'persistence',
  summary: 'Zigzag persistence similarity of hidden states across layers, pruning suggestions, prune and measure perplexity',
  usage:
    '<model> [--domains prose,code,math,dialogue] [--per-domain N] [--prompts FILE] [--k 5] [--dim 3] [--max-tokens 64] [--prune-out DIR [--prune-ratio 0.9 | --prune-layers 1,2] [--heldout FILE]] [--json|--csv]',
  options: {
    domains: {
      type: 'string',
      value: 'LIST',
      help: `built-in prompt domains, comma-separated from ${BUILTIN_DOMAINS.join(', ')} (default: all, without --prompts)`,
    },
    'per-domain': { type: 'string', value: 'N', help: 'built-in prompts per domain (default: all of them)' },
    prompts: { type: 'string', value: 'FILE', help: 'prompt file: .jsonl (a string or {text, domain} per line) or text with prompts between blank lines' },
    k: { type: 'string', value: 'N', help: 'neighbours per point of the k-NN graphs, 1 to 100 (default 5)' },
    dim: { type: 'string', value: 'N', help: 'clique complex dimension, 2 to 5; homology is reported below it (default 3)' },
    'max-tokens': { type: 'string', value: 'N', help: 'longer prompts keep their last N tokens (default 64)' },
    'prune-out': { type: 'string', value: 'DIR', help: 'write a copy without the suggested (or given) layers to DIR and compare perplexities' },
    'prune-ratio': { type: 'string', value: 'P', help: 'with --prune-out: prune the layers suggested at ratio P in (0, 1] (default 0.9)' },
    'prune-layers': { type: 'string', value: '1,2', help: 'with --prune-out: prune these layers instead of the suggested ones' },
    heldout: { type: 'string', value: 'FILE', help: 'with --prune-out: held-out text for the perplexities (default: the built-in prompts)' },
    json: JSON_OPTION,
    csv: csvOption(PERSISTENCE_TIDY_COLUMNS),
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model path');
    const pruneOut = typeof values['prune-out'] === 'string' ? values['prune-out'] : undefined;
    const ratioText = values['prune-ratio'],
      layersText = values['prune-layers'];
    if (!pruneOut && (ratioText !== undefined || layersText !== undefined || values.heldout !== undefined))
      throw new UsageError('--prune-ratio, --prune-layers and --heldout need --prune-out DIR');
    if (ratioText !== undefined && layersText !== undefined) throw new UsageError('give --prune-ratio or --prune-layers, not both');
    const ratio = ratioText === undefined ? 0.9 : Number(ratioText);
    if (!(ratio > 0 && ratio <= 1)) throw new UsageError('--prune-ratio must be a number in (0, 1]');
    const model = await ctx.model(positionals[0]);
    const engine = await ctx.engine();
    const result = await runPersistenceJob(
      model,
      {
        prompts: sources(values),
        k: int(values, 'k', 1, 100),
        maxDim: int(values, 'dim', 2, 5),
        maxTokens: int(values, 'max-tokens', 1, 1 << 20),
        ratios: [...new Set([0.9, 0.8, ratio])],
      },
      { signal: ctx.signal, onProgress: ctx.onProgress, engine },
    );
    let prune: PruneJobResult | undefined;
    if (pruneOut) {
      let layers: number[];
      if (typeof layersText === 'string') {
        layers = layersText.split(',').map((s) => Number(s.trim()));
        if (!layers.every((l) => Number.isInteger(l) && l >= 0)) throw new UsageError('--prune-layers must be a comma-separated list of layer indices');
      } else {
        layers = result.suggestions.find((s) => s.p === ratio)!.layers;
        if (layers.length === 0) throw new Error(`no layer is suggested at p = ${ratio}: nothing to prune`);
      }
      prune = await runPruneJob(
        model,
        { layers, outDir: pruneOut, heldOut: typeof values.heldout === 'string' ? { kind: 'file', path: values.heldout } : { kind: 'builtin' } },
        { signal: ctx.signal, onProgress: ctx.onProgress, engine },
      );
    }
    ctx.out(
      values.json
        ? toJson(prune ? { ...result, prune } : result)
        : values.csv
          ? tidyCsv(PERSISTENCE_TIDY_COLUMNS, persistenceTidyRows(result, prune))
          : formatPersistence(result, prune),
    );
  },
};
