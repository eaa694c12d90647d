/**
 * Keyboard reach for a layer × kind heatmap (the spectra panel's): the heatmap takes focus (Tab), the
 * arrow keys move the selected matrix over the cells drawn (rows: layers, columns: kinds in the
 * heatmap's order, MATRIX_KIND_ORDER unless the panel gives its own), Enter brings its detail into view.
 */
import { h } from './dom';
import { formatTableValue } from './figureTable';
import { attachGridKeys, type GridPos } from './gridKeys';
import { MATRIX_KIND_ORDER } from './kindColor';

export function heatmapAxes(
  cells: readonly { layer: number; kind: string }[],
  kindOrder: readonly string[] = MATRIX_KIND_ORDER,
): { layers: number[]; kinds: string[] } {
  return {
    layers: [...new Set(cells.map((c) => c.layer))].sort((a, b) => a - b),
    kinds: kindOrder.filter((k) => cells.some((c) => c.kind === k)),
  };
}

/** The grid position of a selection (the first cell when none or not drawn). */
export function positionOf(axes: { layers: number[]; kinds: string[] }, sel?: { layer: number; kind: string }): GridPos {
  return { row: Math.max(0, sel ? axes.layers.indexOf(sel.layer) : 0), col: Math.max(0, sel ? axes.kinds.indexOf(sel.kind) : 0) };
}

/** The sentence read out for a selected cell: "layer 3 × q: 0.41". */
export function cellSentence(cells: readonly { layer: number; kind: string; value?: number | null }[], layer: number, kind: string): string {
  const v = cells.find((c) => c.layer === layer && c.kind === kind)?.value;
  return `layer ${layer} × ${kind}: ${typeof v === 'number' ? formatTableValue(v) : 'no value'}`;
}

/** The live region that reads out the selection: beside `el`, so a re-draw of el's content keeps it. */
const liveOf = new WeakMap<HTMLElement, HTMLElement>();

export function attachHeatmapKeys(
  el: HTMLElement,
  current: () => { cells: readonly { layer: number; kind: string; value?: number | null }[]; selection?: { layer: number; kind: string } },
  select: (layer: number, kind: string) => void,
  open: () => void,
): void {
  el.setAttribute('aria-label', 'Layer × kind heatmap: arrow keys move the selected matrix, Enter shows its detail');
  let live = liveOf.get(el);
  if (!live) {
    live = h('div', { class: 'll-sr-only', 'aria-live': 'polite' });
    liveOf.set(el, live);
    el.after(live);
  }
  const say = live;
  let axes = heatmapAxes([]);
  let cells: readonly { layer: number; kind: string; value?: number | null }[] = [];
  attachGridKeys(
    el,
    () => {
      const c = current();
      cells = c.cells;
      axes = heatmapAxes(c.cells);
      return { rows: axes.layers.length, cols: axes.kinds.length, pos: positionOf(axes, c.selection) };
    },
    (pos) => {
      say.textContent = cellSentence(cells, axes.layers[pos.row]!, axes.kinds[pos.col]!);
      select(axes.layers[pos.row]!, axes.kinds[pos.col]!);
    },
    open,
  );
}
