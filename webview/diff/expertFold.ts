/**
 * The diff heatmaps of a many-expert model: 256 routed experts of gate, up and down are 771 columns
 * (62 000 cells a heatmap at 80 layers, three heatmaps side by side: seconds to draw, cells under a
 * pixel). Past FOLD_COLUMNS columns the routed experts of each kind fold into one column ("up
 * experts") holding the maximum over the layer's experts — the most-changed (Δ) or largest (A, B)
 * one — and the folded cell names that expert, which is what a click on it opens. Shared experts
 * and attention keep their own columns. Pure, so it is unit-tested without a DOM.
 */
import type { Cell } from './metrics';

/** Columns drawn one per matrix up to this many (Mixtral's 8 experts × 3 kinds + 4 attention kinds: 28). */
export const FOLD_COLUMNS = 48;

export const FOLDED_SUFFIX = ' experts';

/** A folded column's cell: the maximum over `experts` routed experts, `argmax` the column of the one that holds it. */
export interface FoldedCell extends Cell {
  experts: number;
  argmax?: string;
}

/** `up e17` → `up` (a routed expert's column); undefined for attention, shared experts and anything else. */
export function routedBase(kind: string): string | undefined {
  const m = /^(.+) e\d+$/.exec(kind);
  return m ? m[1] : undefined;
}

/** Whether the cells' columns are too many to draw one per matrix. */
export function shouldFold(cells: readonly Cell[]): boolean {
  const kinds = new Set<string>();
  for (const c of cells) if (kinds.add(c.kind).size > FOLD_COLUMNS) return true;
  return false;
}

/**
 * Routed experts folded per (layer, kind): value = the maximum of the experts' finite values (null
 * when none has one; hatched when every one is NaN/Inf-flagged). Other cells pass through unchanged.
 */
export function foldExperts(cells: readonly Cell[]): (Cell | FoldedCell)[] {
  const out: (Cell | FoldedCell)[] = [];
  const groups = new Map<string, { layer: number; kind: string; cells: Cell[] }>();
  // A few hundred distinct columns among tens of thousands of cells: each column's base parsed once.
  const bases = new Map<string, string | undefined>();
  for (const c of cells) {
    let base = bases.get(c.kind);
    if (base === undefined && !bases.has(c.kind)) bases.set(c.kind, (base = routedBase(c.kind)));
    if (base === undefined) {
      out.push(c);
      continue;
    }
    const key = `${c.layer}\t${base}`;
    const g = groups.get(key) ?? { layer: c.layer, kind: base + FOLDED_SUFFIX, cells: [] };
    groups.set(key, g);
    g.cells.push(c);
  }
  for (const g of groups.values()) {
    let best: Cell | undefined;
    for (const c of g.cells) if (c.value !== null && Number.isFinite(c.value) && (!best || c.value > (best.value as number))) best = c;
    const flagged = g.cells.filter((c) => c.flagged);
    const folded: FoldedCell = { layer: g.layer, kind: g.kind, value: best ? best.value : null, experts: g.cells.length, argmax: best?.kind };
    if (best) folded.note = `max over ${g.cells.length} experts: ${best.kind}${flagged.length ? `; ${flagged.length} not computable (NaN/Inf)` : ''}`;
    else if (flagged.length === g.cells.length) {
      folded.flagged = true;
      folded.note = `every expert not computable: ${flagged.map((c) => c.note).join('; ')}`;
    }
    out.push(folded);
  }
  return out;
}

/** The expert a click on a folded cell opens: the one holding the maximum in the Δ heatmap. */
export function expertOfFolded(deltaCells: readonly (Cell | FoldedCell)[], layer: number, kind: string): string | undefined {
  const c = deltaCells.find((x) => x.layer === layer && x.kind === kind);
  return c && 'argmax' in c ? c.argmax : undefined;
}
