/**
 * The keyboard for heatmaps drawn on a canvas (the similarity small multiples, the spectra experts
 * heatmap), which have no cell elements to outline or click: the canvas takes focus as a grid, the
 * arrow keys (gridKeys.ts) move an outline laid over it, the panel's sentence for the selected cell
 * goes to a live region, and Enter runs what a click on the canvas does.
 */
import { h } from './dom';
import { attachGridKeys, type GridPos } from './gridKeys';

export interface CanvasGrid {
  rows: number;
  cols: number;
  /** The cell grid's top-left corner and a cell's size, in CSS pixels of the canvas. */
  left: number;
  top: number;
  cellWidth: number;
  cellHeight: number;
  /** What the grid is (the accessible name starts with it). */
  label: string;
  /** The sentence read out for a cell: "layer 3 × layer 5: DOCS 0.41". */
  describe(pos: GridPos): string;
  /** What Enter does (a click's action); none: Enter does nothing. */
  open?(pos: GridPos): void;
  /** Where the sentence goes; default: a visually hidden live region made here. */
  live?: HTMLElement;
}

/** The canvas wrapped with its keyboard outline (and live region): put the returned element where the canvas was going. */
export function withCanvasGridKeys(canvas: HTMLCanvasElement, grid: CanvasGrid): HTMLElement {
  const outline = h('div', { class: 'll-key-outline', hidden: true });
  const live = grid.live ?? h('div', { class: 'll-sr-only', 'aria-live': 'polite' });
  let pos: GridPos = { row: 0, col: 0 };
  const place = () => {
    outline.style.left = `${grid.left + pos.col * grid.cellWidth}px`;
    outline.style.top = `${grid.top + pos.row * grid.cellHeight}px`;
    outline.style.width = `${grid.cellWidth}px`;
    outline.style.height = `${grid.cellHeight}px`;
    outline.hidden = false;
    live.textContent = grid.describe(pos);
  };
  canvas.setAttribute('aria-label', `${grid.label}: arrow keys move the selected cell${grid.open ? ', Enter opens it' : ''}`);
  canvas.setAttribute('aria-roledescription', 'heatmap');
  attachGridKeys(
    canvas,
    () => ({ rows: grid.rows, cols: grid.cols, pos }),
    (next) => {
      pos = next;
      place();
    },
    () => grid.open?.(pos),
  );
  canvas.addEventListener('focus', place);
  canvas.addEventListener('blur', () => (outline.hidden = true));
  return h('div', { class: 'll-canvas-grid' }, canvas, outline, grid.live ? null : live);
}
