/**
 * The plot of the activation panel's "Semantic similarity" section: Spearman's ρ per layer between
 * activation-pattern similarity and human scores, with a zero line and the layers with p < 0.05
 * marked (filled, larger markers). Kept apart from the section's controls so it needs no DOM.
 */
import * as Plot from '@observablehq/plot';
import type { StsJobResult } from '../../src/analysis/methods/activation/sts/job';
import type { Theme } from '../common/theme';

export const STS_ALPHA = 0.05;

export interface StsPoint {
  layer: number;
  rho: number;
  p: number;
  n: number;
  significant: boolean;
}

/** The layers with a defined ρ, each marked significant when p < 0.05. */
export function stsPoints(r: Pick<StsJobResult, 'layers'>): StsPoint[] {
  return r.layers.filter((c) => Number.isFinite(c.rho)).map((c) => ({ ...c, significant: c.p < STS_ALPHA }));
}

const SIGNIFICANT = `p < ${STS_ALPHA}`;
const NOT_SIGNIFICANT = `p ≥ ${STS_ALPHA}`;

export function stsPlot(r: Pick<StsJobResult, 'layers'>, theme: Theme): Plot.PlotOptions | null {
  const points = stsPoints(r);
  if (points.length === 0) return null;
  const mark = (p: StsPoint) => (p.significant ? SIGNIFICANT : NOT_SIGNIFICANT);
  return {
    width: 640,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd', ticks: r.layers.length <= 24 ? r.layers.map((c) => c.layer) : undefined },
    y: { label: 'Spearman ρ with human scores', grid: true, domain: [-1, 1] },
    color: { domain: [SIGNIFICANT, NOT_SIGNIFICANT], range: [theme.accent, theme.muted], legend: true, label: 'two-sided p' },
    marks: [
      Plot.ruleY([0], { stroke: theme.muted, strokeDasharray: '4 3' }),
      Plot.line(points, { x: 'layer', y: 'rho', stroke: theme.accent }),
      Plot.dot(points, {
        x: 'layer',
        y: 'rho',
        r: (p: StsPoint) => (p.significant ? 5 : 3),
        stroke: mark,
        fill: (p: StsPoint) => (p.significant ? mark(p) : 'none'),
        tip: true,
        title: (p: StsPoint) => `layer ${p.layer}: ρ = ${p.rho.toFixed(3)}, p = ${formatP(p.p)}, n = ${p.n}`,
      }),
    ],
  };
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '–';
  return p !== 0 && p < 1e-3 ? p.toExponential(1) : p.toFixed(3);
}
