/**
 * Every computed similarity index side by side as small layer × layer heatmaps, from one result
 * (the DOCS paper's Figure 2 layout): one panel per index, each on its own colour range (the same
 * range the large heatmap would use for it), drawn on a canvas so 11 indices × 80 × 80 layers stay
 * fast. Clicking a panel shows that index in the large heatmap.
 */
import * as Plot from '@observablehq/plot';
import { INDEX_LABELS, type SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import { formatValue, h, replaceChildren } from '../common/dom';
import { paintCells } from '../common/canvasCells';
import { withCanvasGridKeys } from '../common/canvasGridKeys';
import type { Theme } from '../common/theme';
import { colourDomain, heatCells, isSigned, layerLabel, type SimilarityView } from './viewModel';

export interface SmallMultiple {
  index: SimilarityIndex;
  label: string;
  /** Layers on each side. */
  size: number;
  /** Row-major size × size values; null where there is none (pending, not comparable, undefined, NaN/Inf). */
  values: (number | null)[];
  domain: [number, number];
  signed: boolean;
}

/** One panel per index the run computed, in the run's index order. */
export function smallMultiples(view: SimilarityView): SmallMultiple[] {
  const size = view.plan.layers.length;
  return view.plan.indices.map((index) => {
    const cells = heatCells(view, index);
    return {
      index,
      label: INDEX_LABELS[index],
      size,
      values: cells.map((c) => (c.state === 'value' || c.state === 'diagonal' ? c.value : null)),
      domain: colourDomain(cells, index),
      signed: isSigned(index),
    };
  });
}

/** Panel edge in CSS pixels: ≈ 180 px whatever the layer count, whole pixels per cell. */
function cellPixels(size: number): number {
  return Math.max(1, Math.floor(180 / Math.max(1, size)));
}

function drawOne(m: SmallMultiple, theme: Theme, onPick: (index: SimilarityIndex) => void, layers: string[]): HTMLElement {
  const cell = cellPixels(m.size);
  const edge = cell * m.size;
  const canvas = h('canvas', { class: 'll-sim-multiple-canvas', 'data-testid': `similarity-multiple-${m.index}`, title: `${m.label}: click to show it above` });
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.ceil(edge * ratio);
  canvas.height = Math.ceil(edge * ratio);
  canvas.style.width = `${edge}px`;
  canvas.style.height = `${edge}px`;
  const color = Plot.scale({
    color: {
      type: m.signed ? 'diverging' : 'linear',
      scheme: (m.signed ? theme.divergingScheme : theme.sequentialScheme) as Plot.ColorScheme,
      domain: m.domain,
      clamp: true,
    },
  });
  // Straight into the pixels (common/canvasCells.ts): a fillRect a cell is most of the drawing time at 80 layers.
  paintCells(canvas, m.size, m.size, cell, ratio, (a, b) => {
    const v = m.values[a * m.size + b];
    return v === null || v === undefined ? theme.grid : String(color.apply(v));
  });
  canvas.addEventListener('click', () => onPick(m.index));
  return h(
    'figure',
    { class: 'll-sim-multiple' },
    h('figcaption', {}, m.label),
    withCanvasGridKeys(canvas, {
      rows: m.size,
      cols: m.size,
      left: 0,
      top: 0,
      cellWidth: cell,
      cellHeight: cell,
      label: `${m.label}, layer × layer`,
      describe: ({ row, col }) => {
        const v = m.values[row * m.size + col];
        return `layer ${layers[row]} × layer ${layers[col]}: ${m.label} ${v === null || v === undefined ? 'no value' : formatValue(v)}`;
      },
      open: () => onPick(m.index),
    }),
    h('div', { class: 'll-muted' }, `${formatValue(m.domain[0])} … ${formatValue(m.domain[1])}`),
  );
}

export function drawSmallMultiples(container: HTMLElement, view: SimilarityView, theme: Theme, onPick: (index: SimilarityIndex) => void): void {
  const list = smallMultiples(view);
  const layers = view.plan.layers.map(layerLabel);
  replaceChildren(container, ...list.map((m) => drawOne(m, theme, onPick, layers)));
}
