/**
 * The plots of the activation panel's "Pruning experiment" section: held-out perplexity of the
 * unpruned model and of Wanda pruning at uniform and at density-derived layer ratios (one dot each
 * on a log axis), and the calibration-domain × held-out-domain perplexity heatmap. Kept apart
 * from the section's controls so they need no DOM.
 */
import * as Plot from '@observablehq/plot';
import type { PruneExperimentResult } from '../../src/analysis/methods/activation/experiments/pruneExperiment';
import type { Theme } from '../common/theme';

export interface ArmPoint {
  arm: 'unpruned' | 'uniform' | 'density-derived';
  perplexity: number;
  /** Weights zeroed / weights of the pruned matrices (0 unpruned). */
  sparsity: number;
}

export function armPoints(r: Pick<PruneExperimentResult, 'unpruned' | 'uniform' | 'derived'>): ArmPoint[] {
  return [
    { arm: 'unpruned', perplexity: r.unpruned, sparsity: 0 },
    { arm: 'uniform', perplexity: r.uniform.perplexity, sparsity: r.uniform.totalSparsity },
    { arm: 'density-derived', perplexity: r.derived.perplexity, sparsity: r.derived.totalSparsity },
  ];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function armPlot(r: Pick<PruneExperimentResult, 'unpruned' | 'uniform' | 'derived'>, theme: Theme): Plot.PlotOptions {
  const points = armPoints(r).filter((p) => Number.isFinite(p.perplexity) && p.perplexity > 0);
  return {
    width: 420,
    height: 220,
    marginLeft: 64,
    x: { label: null, domain: ['unpruned', 'uniform', 'density-derived'] },
    y: { label: 'held-out perplexity', type: 'log', grid: true },
    marks: [
      Plot.ruleX(points, { x: 'arm', y1: Math.min(...points.map((p) => p.perplexity)), y2: 'perplexity', stroke: theme.muted }),
      Plot.dot(points, {
        x: 'arm',
        y: 'perplexity',
        r: 5,
        fill: (p: ArmPoint) => (p.arm === 'density-derived' ? theme.accent : p.arm === 'uniform' ? (theme.categorical[1] ?? theme.foreground) : theme.muted),
        tip: true,
        title: (p: ArmPoint) => `${p.arm}: perplexity ${p.perplexity.toFixed(3)}${p.arm === 'unpruned' ? '' : `, ${pct(p.sparsity)} of the weights pruned`}`,
      }),
      Plot.text(points, { x: 'arm', y: 'perplexity', text: (p: ArmPoint) => p.perplexity.toFixed(2), dx: 28, fill: theme.foreground }),
    ],
  };
}

export interface DomainCell {
  calibration: string;
  evaluation: string;
  perplexity: number;
  /** Perplexity relative to the unpruned model on the same held-out domain. */
  ratio: number;
}

export function domainCells(r: Pick<PruneExperimentResult, 'domains'>): DomainCell[] {
  const d = r.domains;
  if (!d) return [];
  return d.names.flatMap((c, i) =>
    d.names.map((e, j) => ({ calibration: c, evaluation: e, perplexity: d.perplexity[i][j], ratio: d.perplexity[i][j] / d.unpruned[j] })),
  );
}

export function domainPlot(r: Pick<PruneExperimentResult, 'domains'>, theme: Theme): Plot.PlotOptions | null {
  const cells = domainCells(r);
  if (!cells.length) return null;
  const names = r.domains!.names;
  return {
    width: Math.max(320, 110 * names.length + 120),
    height: Math.max(160, 48 * names.length + 70),
    marginLeft: 100,
    padding: 0.05,
    x: { label: 'held-out domain', domain: names },
    y: { label: 'calibrated on', domain: names },
    color: { type: 'log', scheme: theme.sequentialScheme as Plot.ColorScheme, legend: true, label: 'perplexity ÷ unpruned' },
    marks: [
      Plot.cell(cells, {
        x: 'evaluation',
        y: 'calibration',
        fill: 'ratio',
        tip: true,
        title: (c: DomainCell) =>
          `calibrated on ${c.calibration}, evaluated on ${c.evaluation}: perplexity ${c.perplexity.toFixed(3)} (${c.ratio.toFixed(2)}× unpruned)`,
      }),
      Plot.text(cells, { x: 'evaluation', y: 'calibration', text: (c: DomainCell) => c.perplexity.toFixed(1), fill: theme.foreground }),
    ],
  };
}
