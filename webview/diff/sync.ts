/**
 * Synchronised hover and selection across the side-by-side heatmaps: pointing at a cell in any of
 * them marks the same (layer, kind) cell in all of them, and a click selects it everywhere. Marks
 * are CSS classes on the cells' rects (media/diff.css), so nothing is redrawn while the pointer moves.
 */
export const HOVER_CLASS = 'll-diff-hover';
export const SELECTED_CLASS = 'll-diff-selected';

export interface CellKey {
  layer: number;
  kind: string;
}

function keyOf(el: Element | null): CellKey | undefined {
  const rect = el?.closest?.('rect[data-layer][data-kind]');
  if (!rect) return undefined;
  return { layer: Number(rect.getAttribute('data-layer')), kind: rect.getAttribute('data-kind') ?? '' };
}

export class CellSync {
  private plots: Element[] = [];
  private hovered: CellKey | undefined;
  selected: CellKey | undefined;

  constructor(private readonly onSelect: (key: CellKey) => void) {}

  /** Replaces the synchronised plots (after a redraw) and re-applies the marks. */
  attach(plots: Element[]): void {
    this.plots = plots;
    for (const plot of plots) {
      plot.addEventListener('mouseover', (ev) => this.hover(keyOf(ev.target as Element)));
      plot.addEventListener('mouseleave', () => this.hover(undefined));
      plot.addEventListener('click', (ev) => {
        const key = keyOf(ev.target as Element);
        if (key) this.select(key);
      });
    }
    this.mark(SELECTED_CLASS, this.selected);
    this.mark(HOVER_CLASS, this.hovered);
  }

  hover(key: CellKey | undefined): void {
    this.hovered = key;
    this.mark(HOVER_CLASS, key);
  }

  select(key: CellKey): void {
    this.selected = key;
    this.mark(SELECTED_CLASS, key);
    this.onSelect(key);
  }

  private mark(cls: string, key: CellKey | undefined): void {
    for (const plot of this.plots) {
      plot.querySelectorAll(`rect.${cls}`).forEach((r) => r.classList.remove(cls));
      if (key) plot.querySelectorAll(`rect[data-layer="${key.layer}"][data-kind="${key.kind}"]`).forEach((r) => r.classList.add(cls));
    }
  }
}
