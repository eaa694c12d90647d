/**
 * Suggested pruning ratio against layer density (activated fraction): each layer a dot, labelled by
 * its index, with the allocation rule drawn as a line. The rule (src/analysis/methods/activation/
 * stats.ts, pruningRatios: OWL's layer-wise allocation) is r_ℓ = target − 2λ·(n_ℓ − mean n) with
 * n_ℓ = (d_ℓ − min d) / (max d − min d), clipped to [0, 1], so every layer not clipped lies on one
 * line r = K − s·d of slope −s = −2λ / (max d − min d). A layer off the line was clipped at 0 or 1.
 */
import * as Plot from '@observablehq/plot';
import type { ActivationResult } from '../../src/analysis/methods/activation/activation';
import type { Theme } from '../common/theme';

export interface PrunePoint {
  layer: number;
  density: number;
  ratio: number;
  /** At 0 or 1: the rule's line does not hold for it. */
  clipped: boolean;
}

export function prunePoints(r: Pick<ActivationResult, 'layerFraction' | 'pruneRatios'>): PrunePoint[] {
  return r.pruneRatios.flatMap((ratio, layer) => {
    const density = r.layerFraction[layer];
    if (typeof density !== 'number' || !Number.isFinite(density) || !Number.isFinite(ratio)) return [];
    return [{ layer, density, ratio, clipped: ratio <= 0 || ratio >= 1 }];
  });
}

/**
 * The line r = K − s·d through the layers not clipped (a least-squares fit, exact since they lie on
 * it); with equal densities the rule gives the target everywhere and the line is flat (s = 0). Null
 * when every layer was clipped.
 */
export function ruleLine(points: readonly PrunePoint[]): { intercept: number; slope: number } | null {
  const free = points.filter((p) => !p.clipped);
  if (!free.length) return null;
  const md = free.reduce((a, p) => a + p.density, 0) / free.length;
  const mr = free.reduce((a, p) => a + p.ratio, 0) / free.length;
  const sdd = free.reduce((a, p) => a + (p.density - md) ** 2, 0);
  const s = sdd > 0 ? -free.reduce((a, p) => a + (p.density - md) * (p.ratio - mr), 0) / sdd : 0;
  return { intercept: mr + s * md, slope: s };
}

export function prunePlot(r: ActivationResult, theme: Theme): Plot.PlotOptions | string {
  const points = prunePoints(r);
  if (!points.length) return 'No pruning ratios yet.';
  const rule = ruleLine(points);
  const lo = Math.min(...points.map((p) => p.density));
  const hi = Math.max(...points.map((p) => p.density));
  const pad = Math.max(1e-3, (hi - lo) * 0.1);
  const line = rule === null ? [] : [lo - pad, hi + pad].map((d) => ({ d, r: Math.min(1, Math.max(0, rule.intercept - rule.slope * d)) }));
  return {
    width: 520,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer density (activated fraction)', tickFormat: '.1%' },
    y: { label: 'suggested pruning ratio', grid: true, tickFormat: '.0%' },
    marks: [
      Plot.ruleY([r.targetPruneRatio], { stroke: theme.muted, strokeDasharray: '4 3' }),
      Plot.line(line, { x: 'd', y: 'r', stroke: theme.muted }),
      Plot.dot(points, {
        x: 'density',
        y: 'ratio',
        r: 3,
        fill: (p: PrunePoint) => (p.clipped ? (theme.categorical[1] ?? theme.foreground) : theme.accent),
        tip: true,
        title: (p: PrunePoint) =>
          `layer ${p.layer}: density ${(100 * p.density).toFixed(2)}% → prune ${(100 * p.ratio).toFixed(1)}%${p.clipped ? ' (clipped)' : ''}`,
      }),
      Plot.text(points, { x: 'density', y: 'ratio', text: (p: PrunePoint) => String(p.layer), dy: -8, fill: theme.muted }),
    ],
  };
}
