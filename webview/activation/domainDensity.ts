/**
 * "Density by domain" of the activation panel: the activated fraction of each layer when the mean
 * |A| is taken over one domain's prompts only (same τ), one line with markers per domain against
 * depth. Computed when the run finishes, so the section appears with the final result.
 */
import * as Plot from '@observablehq/plot';
import type { ActivationResult } from '../../src/analysis/methods/activation/activation';
import { h } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';

interface DomainPoint {
  domain: string;
  layer: number;
  fraction: number;
}

export function domainDensityPoints(r: Pick<ActivationResult, 'domainLayerFraction'>): DomainPoint[] {
  return (r.domainLayerFraction ?? []).flatMap(({ domain, fraction }) => fraction.map((f, layer) => ({ domain, layer, fraction: f })));
}

export function domainDensityPlot(r: Pick<ActivationResult, 'domainLayerFraction'>, theme: Theme): Plot.PlotOptions | null {
  const points = domainDensityPoints(r);
  if (points.length === 0) return null;
  const domains = (r.domainLayerFraction ?? []).map((d) => d.domain);
  const layers = Math.max(...(r.domainLayerFraction ?? []).map((d) => d.fraction.length));
  return {
    width: 640,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd', ticks: layers <= 24 ? Array.from({ length: layers }, (_, l) => l) : undefined },
    y: { label: 'activated fraction of the layer', grid: true, domain: [0, Math.max(0.05, ...points.map((p) => p.fraction)) * 1.05], tickFormat: '.0%' },
    color: { domain: domains, range: theme.categorical, legend: true, label: 'domain' },
    symbol: { domain: domains, legend: false },
    marks: [
      Plot.line(points, { x: 'layer', y: 'fraction', stroke: 'domain' }),
      Plot.dot(points, {
        x: 'layer',
        y: 'fraction',
        stroke: 'domain',
        fill: 'domain',
        symbol: 'domain',
        r: 3,
        tip: true,
        title: (d: DomainPoint) => `${d.domain} · layer ${d.layer}: ${(100 * d.fraction).toFixed(2)}% activated`,
      }),
      Plot.ruleY([0], { stroke: theme.muted }),
    ],
  };
}

/** The section (heading and plot), or null while the run has not finished. */
export function domainDensitySection(r: ActivationResult, theme: Theme): HTMLElement | null {
  const options = domainDensityPlot(r, theme);
  if (!options) return null;
  const plot = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-domain-density' });
  renderPlot(plot, options, theme, {
    caption: 'Activated fraction of each layer (y) against depth (x) with mean |A| over one domain’s prompts at a time, one line and marker per domain.',
    name: 'activation-density-by-domain',
  });
  return h('div', {}, h('h2', {}, 'Density by domain'), plot);
}
