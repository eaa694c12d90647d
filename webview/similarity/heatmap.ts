/**
 * The layer × layer heatmap of one index (Observable Plot cells with a colour legend and a hover
 * tip listing the pair and every index), with cells not computed yet or not comparable drawn in
 * a neutral colour, the selected pair outlined and each cluster boxed. Cells carry stable test
 * ids: data-testid="heat-cell" (a value, diagonal included), "heat-cell-empty" (pending, not
 * comparable or undefined), "heat-cell-flagged" (a matrix holds NaN/Inf: hatched) and "cluster-box".
 */
import * as Plot from '@observablehq/plot';
import type { ClusterResult } from '../../src/analysis/methods/similarity/clusters';
import { INDEX_LABELS, type SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import { formatValue } from '../common/dom';
import { thinnedTicks } from '../common/axisTicks';
import { addHatchPattern, HATCH_FILL } from '../common/hatch';
import { matrixTable } from '../common/matrixTable';
import { RASTER_CELLS, rasterCellRender } from '../common/rasterCells';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { colourDomain, heatCells, isSigned, layerLabel, valueAt, type HeatCell, type SimilarityView } from './viewModel';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface HeatmapOptions {
  index: SimilarityIndex;
  clusters: ClusterResult;
  selected?: { a: number; b: number };
  onSelect(a: number, b: number): void;
}

const STATE_TEXT: Record<HeatCell['state'], string> = {
  value: '',
  diagonal: 'same layer',
  pending: 'computing…',
  'not-comparable': 'not comparable',
  'non-finite': 'not computable (NaN/Inf weights)',
  undefined: 'undefined (a constant matrix)',
};

function tipChannels(view: SimilarityView): Record<string, { value: (c: HeatCell) => string; label: string }> {
  const channels: Record<string, { value: (c: HeatCell) => string; label: string }> = {
    pair: { value: (c) => `${layerLabel(view.plan.layers[c.a])} × ${layerLabel(view.plan.layers[c.b])}`, label: 'pair' },
  };
  for (const i of view.plan.indices) {
    channels[i] = {
      value: (c) => {
        if (c.state === 'not-comparable') return c.pair?.reason ?? STATE_TEXT['not-comparable'];
        if (c.state === 'non-finite') return c.pair?.nonFinite?.map((f) => f.summary).join('; ') ?? STATE_TEXT['non-finite'];
        const v = valueAt(view, i, c.a, c.b);
        return v === undefined ? STATE_TEXT.pending : formatValue(v);
      },
      label: INDEX_LABELS[i],
    };
  }
  return channels;
}

export function drawHeatmap(container: HTMLElement, view: SimilarityView, theme: Theme, opts: HeatmapOptions): void {
  const labels = view.plan.layers.map(layerLabel);
  const cells = heatCells(view, opts.index);
  const filled = cells.filter((c) => c.state === 'value' || c.state === 'diagonal');
  const empty = cells.filter((c) => c.state !== 'value' && c.state !== 'diagonal' && c.state !== 'non-finite');
  // A layer matrix holds NaN/Inf: hatched, never coloured; the tip gives the counts and the tensor.
  const nonFinite = cells.filter((c) => c.state === 'non-finite');
  // At least 360 px: Plot places a tip beside or below a cell only when it fits inside the plot,
  // and the tip lists every index (8 lines); in a smaller plot it covers the legend.
  const side = Math.max(360, Math.min(640, 48 + labels.length * 36));
  const channels = tipChannels(view);
  const tipFormat = { x: false, y: false, fill: false, ...Object.fromEntries(Object.keys(channels).map((k) => [k, true])) };
  const showText = labels.length <= 12;
  const selected = opts.selected ? cells.filter((c) => c.a === opts.selected!.a && c.b === opts.selected!.b) : [];
  // 80 layers: the valued and empty cells as one image (common/rasterCells.ts) instead of 6 400 rects;
  // clicks and Enter find the cell through the band scales (cellUnderPointer), the hatched cells keep their rects.
  const render = cells.length > RASTER_CELLS ? rasterCellRender : undefined;
  const el = renderPlot(
    container,
    {
      width: side + 72,
      height: side,
      marginLeft: 56,
      marginBottom: 40,
      padding: 0,
      // 80 layers leave 7 px a band: label every k-th layer (common/axisTicks.ts), 14 px apart at least.
      x: { domain: labels, label: 'layer', tickRotate: labels.length > 16 ? -90 : 0, ticks: thinnedTicks(labels, side - 56, 14) },
      y: { domain: labels, label: 'layer', ticks: thinnedTicks(labels, side - 60, 14) },
      color: {
        type: isSigned(opts.index) ? 'diverging' : 'linear',
        scheme: (isSigned(opts.index) ? theme.divergingScheme : theme.sequentialScheme) as Plot.ColorScheme,
        domain: colourDomain(cells, opts.index),
        clamp: true,
        legend: true,
        label: INDEX_LABELS[opts.index],
      },
      marks: [
        Plot.cell(filled, { x: 'x', y: 'y', fill: 'value', className: 'll-heat-filled', channels, tip: { format: tipFormat }, render }),
        Plot.cell(empty, { x: 'x', y: 'y', fill: theme.grid, className: 'll-heat-empty', channels, tip: { format: tipFormat }, render }),
        Plot.cell(nonFinite, { x: 'x', y: 'y', fill: HATCH_FILL, stroke: theme.muted, className: 'll-heat-nonfinite', channels, tip: { format: tipFormat } }),
        showText
          ? Plot.text(filled, {
              x: 'x',
              y: 'y',
              text: (c: HeatCell) => (c.value === null ? '' : c.state === 'diagonal' ? '1' : c.value.toFixed(2)),
              fill: theme.foreground,
              stroke: theme.background,
              strokeWidth: 3,
              fontSize: 10,
              pointerEvents: 'none',
            } as Plot.TextOptions)
          : null,
        Plot.cell(selected, { x: 'x', y: 'y', fill: 'none', stroke: theme.foreground, strokeWidth: 2.5, inset: 1 }),
      ],
    },
    theme,
    {
      caption: `Heatmap of layer × layer ${INDEX_LABELS[opts.index]}; clusters boxed, the selected pair outlined.`,
      // Row a, column b: the drawn value (1 on the diagonal), empty where the cell has none.
      table: matrixTable('layer', labels, labels, (a, b) => {
        const c = cells[a * labels.length + b];
        return c && (c.state === 'value' || c.state === 'diagonal') ? c.value : null;
      }),
    },
  ) as (SVGSVGElement | HTMLElement) & { scale?: (name: string) => { apply(v: string): number; bandwidth?: number } | undefined };
  tagCells(el, 'll-heat-filled', filled, 'heat-cell');
  tagCells(el, 'll-heat-empty', empty, 'heat-cell-empty');
  tagCells(el, 'll-heat-nonfinite', nonFinite, 'heat-cell-flagged');
  addHatchPattern(el, theme);
  boxClusters(el, labels, opts.clusters, theme);
  el.addEventListener('click', (e) => {
    const hit = cellUnderPointer(el, labels, e as MouseEvent);
    if (hit && hit.a !== hit.b) opts.onSelect(hit.a, hit.b);
  });
}

type ScaledPlot = { scale?: (name: string) => { apply(v: string): number; bandwidth?: number } | undefined };

/**
 * The cell (row position a, column position b) under a click. The event target is not enough:
 * Plot re-draws a hovered cell's tip on pointerdown, and a tip whose arrow ends under the
 * pointer turns the click's target into the whole SVG. So the position is looked up in the
 * plot's band scales instead (the SVG may be drawn scaled: map client pixels to its viewBox).
 */
function cellUnderPointer(root: HTMLElement | SVGSVGElement, labels: string[], e: MouseEvent): { a: number; b: number } | undefined {
  const tagged = (e.target as Element | null)?.closest?.('[data-a]');
  if (tagged) return { a: Number(tagged.getAttribute('data-a')), b: Number(tagged.getAttribute('data-b')) };
  const svg = root.querySelector('g.ll-heat-filled, g.ll-heat-empty')?.closest('svg');
  const x = (root as unknown as ScaledPlot).scale?.('x'),
    y = (root as unknown as ScaledPlot).scale?.('y');
  if (!svg || !x?.bandwidth || !y?.bandwidth) return undefined;
  const box = svg.getBoundingClientRect(),
    view = svg.viewBox.baseVal;
  const sx = view && view.width ? view.width / box.width : 1,
    sy = view && view.height ? view.height / box.height : 1;
  const px = (e.clientX - box.left) * sx,
    py = (e.clientY - box.top) * sy;
  const band = (scale: { apply(v: string): number; bandwidth?: number }, p: number) =>
    labels.findIndex((l) => p >= scale.apply(l) && p < scale.apply(l) + (scale.bandwidth as number));
  const a = band(y, py),
    b = band(x, px);
  return a >= 0 && b >= 0 ? { a, b } : undefined;
}

/** Test ids and positions on each rect of a cell mark (Plot binds each rect to its data index). */
function tagCells(root: Element, className: string, data: HeatCell[], testId: string): void {
  const group = root.querySelector(`g.${className}`);
  if (!group) return;
  for (const rect of Array.from(group.querySelectorAll('rect'))) {
    const i = (rect as unknown as { __data__?: number }).__data__;
    const c = typeof i === 'number' ? data[i] : undefined;
    if (!c) continue;
    rect.setAttribute('data-testid', testId);
    rect.setAttribute('data-a', String(c.a));
    rect.setAttribute('data-b', String(c.b));
    rect.setAttribute('data-state', c.state);
    if (c.value !== null) rect.setAttribute('data-value', String(c.value));
    if (c.state === 'non-finite' && c.pair?.reason) rect.setAttribute('data-reason', c.pair.reason);
    if (c.a !== c.b) rect.setAttribute('cursor', 'pointer');
  }
}

/** A dashed box around each cluster's diagonal block, in the plot's own coordinates. */
function boxClusters(root: HTMLElement | SVGSVGElement, labels: string[], clusters: ClusterResult, theme: Theme): void {
  const plot = root as unknown as { scale?: (name: string) => { apply(v: string): number; bandwidth?: number } | undefined };
  const svg = root.querySelector('g.ll-heat-filled')?.closest('svg') ?? (root instanceof SVGSVGElement ? root : null);
  const x = plot.scale?.('x'),
    y = plot.scale?.('y');
  if (!svg || !x || !y || !x.bandwidth || !y.bandwidth) return;
  for (const c of clusters.clusters) {
    const rect = document.createElementNS(SVG_NS, 'rect');
    const x0 = x.apply(labels[c.first]),
      y0 = y.apply(labels[c.first]);
    rect.setAttribute('x', String(x0));
    rect.setAttribute('y', String(y0));
    rect.setAttribute('width', String((c.last - c.first + 1) * x.bandwidth));
    rect.setAttribute('height', String((c.last - c.first + 1) * y.bandwidth));
    rect.setAttribute('fill', 'none');
    rect.setAttribute('stroke', theme.foreground);
    rect.setAttribute('stroke-width', '2');
    rect.setAttribute('stroke-dasharray', '6 3');
    rect.setAttribute('pointer-events', 'none');
    rect.setAttribute('data-testid', 'cluster-box');
    rect.setAttribute('data-first', String(c.first));
    rect.setAttribute('data-last', String(c.last));
    // Under the hover tips (Plot draws them last), over the cells.
    svg.insertBefore(rect, svg.querySelector(':scope > g[aria-label="tip"]'));
  }
}
