/**
 * CSV of an activation result. Wide (`activationCsv`, the panel's "Export CSV"): one row per layer
 * (fractions, pruning, sparsity, similarity medians). Tidy (`activationTidyRows`, `layer-lens
 * activation --csv`): `layer,kind,domain,prompt,metric,value`, one number per row (csv.ts).
 */
import type { ActivationResult } from './activation';
import { csvCell, type TidyRow } from '../common/csv';

/** A number cell (csv.ts: finite numbers as String(v), anything else empty). */
const cell = (v: number | undefined | null): string => csvCell(v);

export function activationCsv(r: ActivationResult): string {
  const header = [
    'layer',
    'activated_fraction',
    ...r.roles.map((x) => `activated_${x}`),
    'mean_abs_activation',
    'prune_ratio',
    'mlp_sparsity',
    'similarity_same_median',
    'similarity_cross_median',
    'tau',
  ];
  const rows = [header.join(',')];
  for (let l = 0; l < r.numLayers; l++) {
    rows.push(
      [
        l,
        cell(r.layerFraction[l]),
        ...r.roles.map((_, i) => cell(r.roleFraction[l]?.[i])),
        cell(r.meanAbsActivation[l]),
        cell(r.pruneRatios[l]),
        cell(r.forwardSparsity[l]),
        cell(r.similarityByDepth.same[l]?.median),
        cell(r.similarityByDepth.cross[l]?.median),
        cell(r.tau),
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}

export const ACTIVATION_TIDY_COLUMNS = ['layer', 'kind', 'domain', 'prompt', 'metric', 'value'] as const;

const BOX = ['min', 'q1', 'median', 'q3', 'max'] as const;
const EXPERT_KINDS = ['gate', 'up', 'down'] as const;

/**
 * Tidy rows. The run (no key): tau, epsilon, target_prune_ratio, tracked_fraction, prompts. Each
 * prompt (prompt = its index in the JSON's `prompts`, with its domain): tokens, target, max_logit.
 * Each layer: activated_fraction, mean_abs_activation, prune_ratio, mlp_sparsity, and the box
 * statistics of the pattern similarity of same- and cross-domain prompt pairs
 * (similarity_same_min … _max, similarity_cross_*; empty without such pairs). Each layer and matrix
 * kind: activated_fraction (of that matrix) and activated_share (of the layer); in a
 * mixture-of-experts layer gate/up/down count every expert, and the router is a kind of its own.
 * Each expert of a MoE layer (kind `expert<e>` or `shared`): routed_share (routed experts), and per
 * matrix (kind `expert<e>.gate`, `shared.down`…) activated_fraction. The similarity of each single
 * prompt pair is in --json only.
 */
export function activationTidyRows(r: ActivationResult): TidyRow[] {
  const out: TidyRow[] = [
    { metric: 'tau', value: r.tau },
    { metric: 'epsilon', value: r.epsilon },
    { metric: 'target_prune_ratio', value: r.targetPruneRatio },
    { metric: 'tracked_fraction', value: r.trackedFraction },
    { metric: 'prompts', value: r.promptsDone },
  ];
  r.prompts.forEach((p, prompt) => {
    out.push(
      { domain: p.domain, prompt, metric: 'tokens', value: p.tokens },
      { domain: p.domain, prompt, metric: 'target', value: p.target },
      { domain: p.domain, prompt, metric: 'max_logit', value: p.maxLogit },
    );
  });
  for (let layer = 0; layer < r.numLayers; layer++) {
    out.push(
      { layer, metric: 'activated_fraction', value: r.layerFraction[layer] },
      { layer, metric: 'mean_abs_activation', value: r.meanAbsActivation[layer] },
      { layer, metric: 'prune_ratio', value: r.pruneRatios[layer] },
      { layer, metric: 'mlp_sparsity', value: r.forwardSparsity[layer] },
    );
    for (const side of ['same', 'cross'] as const)
      for (const b of BOX) out.push({ layer, metric: `similarity_${side}_${b}`, value: r.similarityByDepth[side][layer]?.[b] });
    r.roles.forEach((kind, i) => {
      out.push(
        { layer, kind, metric: 'activated_fraction', value: r.roleFraction[layer]?.[i] },
        { layer, kind, metric: 'activated_share', value: r.activatedShare[layer]?.[i] },
      );
    });
    const ex = r.experts;
    const grid = ex?.fraction[layer];
    if (!ex || !grid) continue;
    ex.labels.forEach((label, e) => {
      const name = label === 'shared' ? 'shared' : `expert${label}`;
      const share = ex.routedShare[layer]?.[e];
      if (share !== undefined) out.push({ layer, kind: name, metric: 'routed_share', value: share });
      EXPERT_KINDS.forEach((k, j) => out.push({ layer, kind: `${name}.${k}`, metric: 'activated_fraction', value: grid[e][j] }));
    });
  }
  return out;
}
