/**
 * The correlations panel's head-mean M1–M5 against depth: one small plot per measure (their ranges
 * differ by orders of magnitude), the random band shaded around 0.
 */
import * as Plot from '@observablehq/plot';
import { HEAD_LABELS, HEAD_MEASURES, type HeadMeasure } from '../../src/analysis/methods/correlations/names';
import { h } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import type { HeadMeanPoint } from './depthViews';

export function headMeanPlot(points: HeadMeanPoint[], measure: HeadMeasure, theme: Theme): Plot.PlotOptions {
  const mine = points.filter((p) => p.measure === measure);
  const banded = mine.filter((p) => p.band !== null);
  const extent = Math.max(1e-12, ...mine.map((p) => Math.abs(p.mean)), ...banded.map((p) => p.band!));
  return {
    width: 250,
    height: 200,
    marginLeft: 52,
    x: { label: 'layer', tickFormat: 'd' },
    y: { label: 'head-mean cc', grid: true, domain: [-1.1 * extent, 1.1 * extent], tickFormat: '~g' },
    marks: [
      Plot.areaY(banded, { x: 'layer', y1: (p: HeadMeanPoint) => -p.band!, y2: (p: HeadMeanPoint) => p.band!, fill: theme.muted, fillOpacity: 0.25 }),
      Plot.ruleY([0], { stroke: theme.muted }),
      Plot.line(mine, { x: 'layer', y: 'mean', stroke: theme.accent }),
      Plot.dot(mine, {
        x: 'layer',
        y: 'mean',
        r: 2.5,
        fill: (p: HeadMeanPoint) => (p.band !== null && Math.abs(p.mean) > p.band ? (theme.categorical[1] ?? theme.accent) : theme.accent),
        tip: true,
        title: (p: HeadMeanPoint) =>
          `layer ${p.layer}: mean over ${p.heads} heads ${p.mean.toPrecision(4)}${p.band !== null ? `\nrandom 95% band ±${p.band.toPrecision(3)}` : ''}`,
      }),
    ],
  };
}

/** The five plots side by side in `container`. */
export function drawHeadMeans(container: HTMLElement, points: HeadMeanPoint[], theme: Theme): void {
  if (!points.length) {
    container.textContent = 'No per-head values yet.';
    return;
  }
  const boxes = HEAD_MEASURES.map((m) => {
    const plot = h('div', { class: 'll-corr-plot', 'data-testid': `corr-depth-${m}` });
    return { m, plot, fig: h('figure', { class: 'll-corr-cell' }, h('figcaption', {}, HEAD_LABELS[m]), plot) };
  });
  container.replaceChildren(...boxes.map((b) => b.fig));
  for (const b of boxes)
    renderPlot(b.plot, headMeanPlot(points, b.m, theme), theme, {
      caption: `${HEAD_LABELS[b.m]}: the mean over heads of the correlation (y) in each layer (x), with the band of chance shaded.`,
    });
}
