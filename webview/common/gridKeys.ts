/**
 * Keyboard reach for heatmaps: the arrow keys move the selected cell over a grid of rows and
 * columns (Home/End jump to the first/last column, PageUp/PageDown ten rows), Enter opens the
 * selected cell's detail. `moveInGrid` is the pure part, tested without a DOM.
 */

export interface GridPos {
  row: number;
  col: number;
}

/** The position after `key` in a rows × cols grid, or undefined when the key does not move. */
export function moveInGrid(pos: GridPos, rows: number, cols: number, key: string): GridPos | undefined {
  if (rows <= 0 || cols <= 0) return undefined;
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
  const at = { row: clamp(pos.row, rows), col: clamp(pos.col, cols) };
  switch (key) {
    case 'ArrowUp':
      return { ...at, row: clamp(at.row - 1, rows) };
    case 'ArrowDown':
      return { ...at, row: clamp(at.row + 1, rows) };
    case 'ArrowLeft':
      return { ...at, col: clamp(at.col - 1, cols) };
    case 'ArrowRight':
      return { ...at, col: clamp(at.col + 1, cols) };
    case 'PageUp':
      return { ...at, row: clamp(at.row - 10, rows) };
    case 'PageDown':
      return { ...at, row: clamp(at.row + 10, rows) };
    case 'Home':
      return { ...at, col: 0 };
    case 'End':
      return { ...at, col: cols - 1 };
    default:
      return undefined;
  }
}

interface GridHandlers {
  current: () => { rows: number; cols: number; pos: GridPos } | undefined;
  move: (pos: GridPos) => void;
  open: () => void;
}

/** The latest handlers of each element: a redraw replaces them, the one listener reads them. */
const handlersOf = new WeakMap<HTMLElement | SVGElement, GridHandlers>();

/**
 * Makes `el` focusable and routes its keys: `current()` gives the grid and the selected position,
 * `move` receives the new one, `open` runs on Enter. Call it after every draw: the listener is
 * attached once, the handlers are always the last ones given.
 */
export function attachGridKeys(el: HTMLElement | SVGElement, current: GridHandlers['current'], move: GridHandlers['move'], open: GridHandlers['open']): void {
  const attached = handlersOf.has(el);
  handlersOf.set(el, { current, move, open });
  if (attached) return;
  el.tabIndex = 0;
  el.setAttribute('role', 'grid');
  el.addEventListener('keydown', (event) => {
    const ev = event as KeyboardEvent;
    // Keys of a control inside the grid's element (a figure's buttons) are that control's.
    if (ev.target !== el) return;
    const handlers = handlersOf.get(el);
    const c = handlers?.current();
    if (!handlers || !c) return;
    if (ev.key === 'Enter') {
      ev.preventDefault();
      handlers.open();
      return;
    }
    const next = moveInGrid(c.pos, c.rows, c.cols, ev.key);
    if (!next) return;
    ev.preventDefault();
    if (next.row !== c.pos.row || next.col !== c.pos.col) handlers.move(next);
  });
}
