/**
 * The order in which a whole-model similarity job visits layer pairs, and how many layers it may
 * keep in memory. Every pair needs both layers' matrices (and their prepared features); reading a
 * layer is the expensive I/O, so the plan reads each layer once whenever all the layers it needs
 * fit in the memory budget, and otherwise visits pairs tile by tile so that a bounded cache of
 * layers (least recently used out) serves each tile.
 */

export type PairMode = 'all' | 'adjacent';
export const PAIR_MODES: readonly PairMode[] = ['all', 'adjacent'];

/** Positions (indices into the job's layer list), a < b. */
export interface PairPosition {
  a: number;
  b: number;
}

/**
 * Pairs for `count` layers. With everything resident, 'all' goes outwards from the diagonal
 * (adjacent pairs first, then distance 2, …) so a heatmap fills in from its most telling cells;
 * otherwise in tiles of ⌊capacity/2⌋ layers × the same, each tile needing ≤ capacity layers.
 */
export function planPairs(count: number, mode: PairMode, capacity: number): PairPosition[] {
  const pairs: PairPosition[] = [];
  if (mode === 'adjacent') {
    for (let a = 0; a + 1 < count; a++) pairs.push({ a, b: a + 1 });
    return pairs;
  }
  if (capacity >= count) {
    for (let d = 1; d < count; d++) for (let a = 0; a + d < count; a++) pairs.push({ a, b: a + d });
    return pairs;
  }
  const group = Math.max(1, Math.floor(capacity / 2));
  for (let g0 = 0; g0 < count; g0 += group) {
    for (let g1 = g0; g1 < count; g1 += group) {
      for (let a = g0; a < Math.min(count, g0 + group); a++) {
        for (let b = Math.max(a + 1, g1); b < Math.min(count, g1 + group); b++) pairs.push({ a, b });
      }
    }
  }
  return pairs;
}

/** A least-recently-used cache of per-layer values with a fixed number of slots. */
export class LayerCache<T> {
  private readonly entries = new Map<number, Promise<T>>();
  /** How many times `load` ran (the job reports it: reads per layer). */
  loads = 0;

  constructor(
    private readonly capacity: number,
    private readonly load: (position: number) => Promise<T>,
  ) {
    if (!(capacity >= 2)) throw new Error(`layer cache needs at least 2 slots, got ${capacity}`);
  }

  get(position: number): Promise<T> {
    let entry = this.entries.get(position);
    if (entry) {
      this.entries.delete(position);
    } else {
      this.loads++;
      entry = this.load(position);
      entry.catch(() => this.entries.delete(position));
      while (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as number);
    }
    this.entries.set(position, entry);
    return entry;
  }
}

/**
 * Bytes one layer occupies while cached: its normalised copy (DOCS), its oriented matrix (the
 * baselines), and the features the indices need.
 */
export function layerBytes(
  rows: number,
  cols: number,
  needs: { docs: boolean; raw: boolean; cka: boolean; spectral: boolean; projected?: boolean; quantized?: boolean },
): number {
  let floats = 0;
  if (needs.docs) floats += rows * cols;
  if (needs.raw) floats += rows * cols;
  if (needs.cka) floats += rows <= cols ? rows * rows : rows * cols;
  if (needs.spectral) floats += rows * Math.min(rows, cols);
  if (needs.projected) floats += Math.min(rows, cols) * cols; // PWCCA's U_Xᵀ X̃
  // DOCS's int8 screen: two int8 levels and their scales, about 5 bytes a weight, when it may run.
  return 4 * floats + (needs.quantized ? 5 * rows * cols : 0);
}
