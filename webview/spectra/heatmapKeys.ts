/**
 * Keyboard reach for the spectra panel's layer × kind heatmap: the heatmap takes focus (Tab), the
 * arrow keys move the selected matrix over the cells drawn (rows: layers, columns: kinds in the
 * heatmap's order), Enter brings its detail into view.
 */
import { attachGridKeys, type GridPos } from './gridKeys';
import { KIND_ORDER } from './plots';

export function heatmapAxes(cells: readonly { layer: number; kind: string }[]): { layers: number[]; kinds: string[] } {
  return {
    layers: [...new Set(cells.map((c) => c.layer))].sort((a, b) => a - b),
    kinds: KIND_ORDER.filter((k) => cells.some((c) => c.kind === k)),
  };
}

/** The grid position of a selection (the first cell when none or not drawn). */
export function positionOf(axes: { layers: number[]; kinds: string[] }, sel?: { layer: number; kind: string }): GridPos {
  return { row: Math.max(0, sel ? axes.layers.indexOf(sel.layer) : 0), col: Math.max(0, sel ? axes.kinds.indexOf(sel.kind) : 0) };
}

export function attachHeatmapKeys(
  el: HTMLElement,
  current: () => { cells: readonly { layer: number; kind: string }[]; selection?: { layer: number; kind: string } },
  select: (layer: number, kind: string) => void,
  open: () => void,
): void {
  el.setAttribute('aria-label', 'Layer × kind heatmap: arrow keys move the selected matrix, Enter shows its detail');
  let axes = heatmapAxes([]);
  attachGridKeys(
    el,
    () => {
      const c = current();
      axes = heatmapAxes(c.cells);
      return { rows: axes.layers.length, cols: axes.kinds.length, pos: positionOf(axes, c.selection) };
    },
    (pos) => select(axes.layers[pos.row]!, axes.kinds[pos.col]!),
    open,
  );
}
