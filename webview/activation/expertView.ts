/**
 * The experts of a mixture-of-experts model in the activation panel: a layer × expert heatmap of
 * each expert's activated fraction (its gate, up and down together), the tooltip adding each
 * matrix's fraction and the share of tokens routed to the expert.
 */
import * as Plot from '@observablehq/plot';
import type { ActivationResult } from '../../src/analysis/methods/activation/activation';
import type { Theme } from '../common/theme';

export interface ExpertCell {
  layer: number;
  expert: string;
  /** Mean of the expert's gate, up and down fractions (they have the same size). */
  fraction: number;
  gate: number;
  up: number;
  down: number;
  /** Share of tokens routed to it; undefined for the shared expert, which every token uses. */
  routed?: number;
}

export function expertCells(r: ActivationResult): ExpertCell[] {
  const x = r.experts;
  if (!x) return [];
  const out: ExpertCell[] = [];
  x.fraction.forEach((grid, layer) => {
    grid?.forEach(([gate, up, down], e) => {
      const label = x.labels[e];
      out.push({ layer, expert: label, fraction: (gate + up + down) / 3, gate, up, down, routed: label === 'shared' ? undefined : x.routedShare[layer]?.[e] });
    });
  });
  return out;
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`);

export function expertPlot(r: ActivationResult, theme: Theme): Plot.PlotOptions | null {
  const cells = expertCells(r);
  if (cells.length === 0) return null;
  const experts = r.experts!.labels;
  const layers = [...new Set(cells.map((c) => c.layer))];
  return {
    width: Math.min(1200, 120 + experts.length * 28),
    height: 60 + layers.length * 22,
    marginLeft: 56,
    padding: 0.04,
    x: { domain: experts, label: 'expert', axis: 'top' },
    y: { domain: layers, label: 'layer' },
    color: { type: 'linear', scheme: theme.sequentialScheme as Plot.ColorScheme, domain: [0, 1], legend: true, label: 'activated fraction' },
    marks: [
      Plot.cell(cells, {
        x: 'expert',
        y: 'layer',
        fill: 'fraction',
        tip: true,
        title: (c: ExpertCell) =>
          `layer ${c.layer} · expert ${c.expert}\nactivated: gate ${pct(c.gate)}, up ${pct(c.up)}, down ${pct(c.down)}` +
          (c.routed === undefined ? '\nshared: every token' : `\ntokens routed here: ${pct(c.routed)}`),
      }),
    ],
  };
}
