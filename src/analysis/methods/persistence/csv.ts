/**
 * CSV of a persistence result. Wide (`persistenceCsv`, the panel's "Export CSV"): one row per cloud
 * (Betti numbers, S̄_p, the residual-stream baselines of the block starting at layer ℓ, suggested). Tidy (`persistenceTidyRows`, `layer-lens persistence
 * --csv`): `layer,layer_a,layer_b,dim,metric,value`, one number per row (csv.ts).
 */
import { csvCell, csvQuote, type TidyRow } from '../common/csv';
import type { PersistenceResult } from './persistence';
import type { PruneJobResult } from './job';
import type { PromptTruncation } from './truncation';
import type { ResidualStreamBaselines } from './baselines';

/** A number cell (csv.ts: finite numbers as String(v), anything else empty). */
const cell = (v: number | undefined): string => csvCell(v);

const NO_BASELINES: ResidualStreamBaselines = {
  representation: 'residual stream',
  states: 0,
  prompts: 0,
  tokens: 0,
  blockInfluence: [],
  angularLastToken: [],
  angularAllTokens: [],
};

export function persistenceCsv(r: PersistenceResult): string {
  const dims = r.homologyDims;
  const rs = r.residualStream ?? NO_BASELINES;
  const header = [
    'cloud',
    'name',
    ...dims.map((p) => `betti_${p}`),
    ...dims.map((p) => `avg_similarity_${p}`),
    ...(r.residualStream ? ['residual_block_influence'] : []),
    ...rs.angularLastToken.map((a) => `residual_angular_last_n${a.n}`),
    ...rs.angularAllTokens.map((a) => `residual_angular_all_n${a.n}`),
    ...r.suggestions.map((s) => `suggested_p${s.p}`),
  ];
  const rows = [header.join(',')];
  r.cloudNames.forEach((name, l) => {
    rows.push(
      [
        l,
        csvQuote(name),
        ...dims.map((p) => cell(r.betti[p][l])),
        ...dims.map((p) => cell(r.averageSimilarity[p][l])),
        ...(r.residualStream ? [cell(rs.blockInfluence[l])] : []),
        ...rs.angularLastToken.map((a) => cell(a.values[l])),
        ...rs.angularAllTokens.map((a) => cell(a.values[l])),
        ...r.suggestions.map((s) => (s.layers.includes(l) ? '1' : '0')),
      ].join(','),
    );
  });
  return rows.join('\n') + '\n';
}

export const PERSISTENCE_TIDY_COLUMNS = ['layer', 'layer_a', 'layer_b', 'dim', 'metric', 'value'] as const;

/**
 * Tidy rows; `layer` is the cloud index (cloud ℓ < decoderLayers: after decoder layer ℓ; the last
 * cloud: the final norm; names in the JSON's cloudNames). The run (no key): points, k, max_dim,
 * instances, max_pruned_layers (the cap on a suggestion), per pruning ratio p
 * suggestion_threshold_p<p> (dim: the suggestion's homology dimension) and suggestion_capped_p<p>
 * (1 where the rule chose more layers than the cap); with a job's prompt report, token_limit and
 * prompts_truncated (the JSON's truncation lists them and says which side was kept). Each cloud: betti and avg_similarity (S̄_p) per dim, simplices per dim (0..max_dim),
 * suggested_p<p> (1/0). The residual-stream baselines, with `layer` = ℓ, the first layer of the block
 * (hidden_states[ℓ] → hidden_states[ℓ + n]): residual_block_influence (n = 1, all tokens),
 * residual_angular_last_n<n> (last token) and residual_angular_all_n<n> (all tokens). Each pair of clouds
 * a < b: similarity S_p(a, b) per dim (S_p(a, a) is betti). With a prune: perplexity_original,
 * perplexity_pruned, heldout_tokens, and removed = 1 for each removed layer.
 */
export function persistenceTidyRows(r: PersistenceResult & { truncation?: PromptTruncation }, prune?: PruneJobResult): TidyRow[] {
  const out: TidyRow[] = [
    { metric: 'points', value: r.points },
    { metric: 'k', value: r.k },
    { metric: 'max_dim', value: r.maxDim },
    { metric: 'instances', value: r.instances },
    { metric: 'max_pruned_layers', value: r.maxPrunedLayers },
    ...r.suggestions.map((s) => ({ dim: r.suggestionDim, metric: `suggestion_threshold_p${s.p}`, value: s.threshold })),
    ...r.suggestions.map((s) => ({ dim: r.suggestionDim, metric: `suggestion_capped_p${s.p}`, value: s.capped })),
  ];
  if (r.truncation) out.push({ metric: 'token_limit', value: r.truncation.limit }, { metric: 'prompts_truncated', value: r.truncation.truncated.length });
  r.cloudNames.forEach((_, layer) => {
    for (const dim of r.homologyDims) out.push({ layer, dim, metric: 'betti', value: r.betti[dim][layer] });
    for (const dim of r.homologyDims) out.push({ layer, dim, metric: 'avg_similarity', value: r.averageSimilarity[dim][layer] });
    (r.simplexCounts[layer] ?? []).forEach((value, dim) => out.push({ layer, dim, metric: 'simplices', value }));
    for (const s of r.suggestions) out.push({ layer, metric: `suggested_p${s.p}`, value: s.layers.includes(layer) });
  });
  const rs = r.residualStream;
  if (rs) {
    rs.blockInfluence.forEach((value, layer) => out.push({ layer, metric: 'residual_block_influence', value }));
    for (const a of rs.angularLastToken) a.values.forEach((value, layer) => out.push({ layer, metric: `residual_angular_last_n${a.n}`, value }));
    for (const a of rs.angularAllTokens) a.values.forEach((value, layer) => out.push({ layer, metric: `residual_angular_all_n${a.n}`, value }));
  }
  for (const dim of r.homologyDims) {
    const s = r.similarity[dim];
    for (let a = 0; a < s.length; a++) for (let b = a + 1; b < s.length; b++) out.push({ layer_a: a, layer_b: b, dim, metric: 'similarity', value: s[a][b] });
  }
  if (prune) {
    out.push(
      { metric: 'perplexity_original', value: prune.original.perplexity },
      { metric: 'perplexity_pruned', value: prune.pruned.perplexity },
      { metric: 'heldout_tokens', value: prune.original.tokens },
    );
    for (const layer of prune.prune.removedLayers) out.push({ layer, metric: 'removed', value: 1 });
  }
  return out;
}
