/**
 * The keyboard in every heatmap: a plot whose x and y are band scales and which draws cell marks
 * takes focus (Tab), the arrow keys (and Home/End, PageUp/PageDown: gridKeys.ts) move a visible
 * selection outline over its cells, an aria-live region says which cell and its value ("layer 3 ×
 * layer 5: DOCS 0.41"), and Enter does what a click on that cell does: the click is dispatched on
 * the cell's own rect, at its centre, so every panel's click handler (by target or by pointer
 * position) answers it unchanged.
 */
import type * as Plot from '@observablehq/plot';
import { cellAnnouncement, cellAt, gridCells, type GridCell } from './cellGrid';
import { formatTableValue } from './figureTable';
import { attachGridKeys, type GridPos } from './gridKeys';
import type { Theme } from './theme';

const SVG_NS = 'http://www.w3.org/2000/svg';

interface BandScale {
  type?: string;
  domain?: unknown[];
  bandwidth?: number;
  apply(v: unknown): number;
}

type Scaled = { scale?: (name: string) => BandScale | undefined };

export interface CellKeysContext {
  /** The plot as Plot returned it (the SVG, or a figure with legends). */
  plot: Element;
  /** The cell marks of the plot's options (cellGrid.ts cellMarks). */
  marks: Parameters<typeof gridCells>[0];
  /** Where the selected cell is announced. */
  live: HTMLElement;
  /** The selection, kept by the caller across re-draws of the same container. */
  state: { pos?: GridPos };
  label: string;
  theme: Theme;
  /** The axis labels of the plot's options (Plot's exposed scales do not carry them). */
  axisLabels?: { x?: string | null; y?: string | null };
  colorLabel?: string | null;
}

/** Wires the keyboard to a heatmap; returns its focusable <svg>, or undefined when the plot has no band × band grid of cells. */
export function attachCellKeys(ctx: CellKeysContext): SVGSVGElement | undefined {
  const scaled = ctx.plot as unknown as Scaled;
  const x = scaled.scale?.('x'),
    y = scaled.scale?.('y');
  if (x?.type !== 'band' || y?.type !== 'band' || !x.domain?.length || !y.domain?.length || !x.bandwidth || !y.bandwidth) return undefined;
  const svg = ctx.plot instanceof SVGSVGElement ? ctx.plot : ctx.plot.querySelector('svg:has(g[aria-label="cell"])');
  if (!(svg instanceof SVGSVGElement)) return undefined;
  const cells: GridCell[] = gridCells(ctx.marks);
  const xs = x.domain,
    ys = y.domain;
  const fillLabel = ctx.colorLabel ?? null;
  svg.setAttribute('aria-label', `${ctx.label}: arrow keys move the selected cell, Enter opens it`);
  svg.setAttribute('aria-roledescription', 'heatmap');

  const outline = document.createElementNS(SVG_NS, 'rect');
  outline.setAttribute('class', 'll-key-cell');
  outline.setAttribute('fill', 'none');
  outline.setAttribute('stroke', ctx.theme.foreground);
  outline.setAttribute('stroke-width', '2');
  outline.setAttribute('pointer-events', 'none');
  outline.setAttribute('visibility', 'hidden');
  svg.appendChild(outline);

  const place = (pos: GridPos) => {
    outline.setAttribute('x', String(x.apply(xs[pos.col])));
    outline.setAttribute('y', String(y.apply(ys[pos.row])));
    outline.setAttribute('width', String(x.bandwidth));
    outline.setAttribute('height', String(y.bandwidth));
    outline.setAttribute('visibility', 'visible');
    const xv = xs[pos.col],
      yv = ys[pos.row];
    ctx.live.textContent = cellAnnouncement({ x: ctx.axisLabels?.x, y: ctx.axisLabels?.y, fill: fillLabel }, xv, yv, cellAt(cells, xv, yv), (v) =>
      formatTableValue(v),
    );
  };
  // A kept selection from a larger grid (an earlier draw) is clamped into this one.
  const current = () => {
    const pos = ctx.state.pos ?? { row: 0, col: 0 };
    return { rows: ys.length, cols: xs.length, pos: { row: Math.min(pos.row, ys.length - 1), col: Math.min(pos.col, xs.length - 1) } };
  };
  attachGridKeys(
    svg,
    current,
    (pos) => {
      ctx.state.pos = pos;
      place(pos);
    },
    () => clickCell(ctx.plot, svg, x, y, xs[current().pos.col], ys[current().pos.row]),
  );
  // The outline shows while the heatmap has the keyboard (not after a mouse click, which focuses
  // it too); a click moves the keyboard's selection to the clicked cell.
  svg.addEventListener('focus', () => {
    if (svg.matches(':focus-visible')) place(current().pos);
  });
  svg.addEventListener('click', (ev) => {
    if (!ev.isTrusted) return;
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    const px = (ev.clientX - box.left) * (view && view.width ? view.width / box.width : 1),
      py = (ev.clientY - box.top) * (view && view.height ? view.height / box.height : 1);
    const col = xs.findIndex((v) => px >= x.apply(v) && px < x.apply(v) + x.bandwidth!),
      row = ys.findIndex((v) => py >= y.apply(v) && py < y.apply(v) + y.bandwidth!);
    if (col >= 0 && row >= 0) ctx.state.pos = { row, col };
  });
  svg.addEventListener('blur', () => outline.setAttribute('visibility', 'hidden'));
  if (document.activeElement === svg) place(current().pos);
  return svg;
}

/**
 * A click at the centre of the cell (xv, yv): on the rect drawn there, else on the plot itself.
 * The datum Plot's pointer last pointed at (`plot.value`, which some panels read on click) is
 * cleared first: it belongs to the mouse, not to the keyboard's cell.
 */
function clickCell(plot: Element, svg: SVGSVGElement, x: BandScale, y: BandScale, xv: unknown, yv: unknown): void {
  (plot as Element & { value?: unknown }).value = null;
  const px = x.apply(xv) + x.bandwidth! / 2,
    py = y.apply(yv) + y.bandwidth! / 2;
  const rect = Array.from(svg.querySelectorAll('g[aria-label="cell"] rect')).find((r) => {
    const rx = Number(r.getAttribute('x')),
      ry = Number(r.getAttribute('y')),
      rw = Number(r.getAttribute('width')),
      rh = Number(r.getAttribute('height'));
    return px >= rx && px <= rx + rw && py >= ry && py <= ry + rh;
  });
  const box = svg.getBoundingClientRect();
  const view = svg.viewBox.baseVal;
  const sx = view && view.width ? box.width / view.width : 1,
    sy = view && view.height ? box.height / view.height : 1;
  const target = rect ?? svg;
  target.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, clientX: box.left + px * sx, clientY: box.top + py * sy, view: window }));
}

/** A scale's label in a plot's options (the colour legend's, an axis'), for the announcement. */
export function scaleLabelOf(options: Plot.PlotOptions, scale: 'x' | 'y' | 'color'): string | null {
  const c = options[scale] as { label?: unknown } | undefined;
  return typeof c?.label === 'string' ? c.label : null;
}
