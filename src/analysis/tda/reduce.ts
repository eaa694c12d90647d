/**
 * Mod-2 persistence reduction of a sparse boundary matrix (columns in filtration order).
 *
 * Columns are sorted Int32Arrays of row indices; adding two columns is their symmetric difference.
 * With `clearing` (the twist of Chen & Kerber), dimensions are reduced from the highest down: once
 * column j is reduced with pivot i, column i is known to reduce to zero (i creates the class j
 * kills), so it is never reduced, which skips most of the work on the lower dimensions.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';

export interface BoundaryMatrix {
  /** Dimension of each column's simplex. */
  dims: Int8Array | Int32Array | number[];
  /** Boundary of each column: ascending row indices, all smaller than the column's own index. */
  columns: Int32Array[];
}

export interface Reduction {
  /** (birth index, death index) pairs: the class created by column birth is killed by column death. */
  pairs: Array<[number, number]>;
  /** Columns that create a class nobody kills. */
  essential: number[];
  /** Column additions performed (a cost measure for benchmarks). */
  additions: number;
}

export function addColumns(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0,
    j = 0,
    k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i],
      y = b[j];
    if (x === y) {
      i++;
      j++;
    } else if (x < y) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out.subarray(0, k);
}

export async function reduceBoundary(m: BoundaryMatrix, opts: { clearing?: boolean } & JobContext = {}): Promise<Reduction> {
  const n = m.columns.length;
  if (m.dims.length !== n) throw new Error('boundary matrix: one dimension per column expected');
  const clearing = opts.clearing ?? true;
  const pivotOwner = new Int32Array(n).fill(-1); // row → column whose reduced low it is
  const reduced: Array<Int32Array | null> = new Array(n).fill(null);
  const cleared = new Uint8Array(n);
  const isPositive = new Uint8Array(n); // reduced to zero: creates a class
  let maxDim = 0;
  for (let j = 0; j < n; j++) maxDim = Math.max(maxDim, m.dims[j]);
  const order: number[][] = Array.from({ length: maxDim + 1 }, () => []);
  for (let j = 0; j < n; j++) order[m.dims[j]].push(j);
  // Without clearing the order of dimensions does not matter; with it, high dimensions go first.
  const dimsToRun = clearing ? order.map((_, p) => maxDim - p) : order.map((_, p) => p);
  let additions = 0,
    steps = 0;
  const pairs: Array<[number, number]> = [];
  for (const p of dimsToRun) {
    for (const j of order[p]) {
      if (cleared[j]) {
        isPositive[j] = 1;
        continue;
      }
      let col = m.columns[j];
      while (col.length > 0) {
        const low = col[col.length - 1];
        const owner = pivotOwner[low];
        if (owner < 0) break;
        col = addColumns(col, reduced[owner]!);
        additions++;
      }
      if (col.length === 0) {
        isPositive[j] = 1;
      } else {
        const low = col[col.length - 1];
        if (low >= j) throw new Error(`boundary matrix: column ${j} has a boundary entry ${low} that is not earlier in the filtration`);
        pivotOwner[low] = j;
        reduced[j] = col;
        pairs.push([low, j]);
        if (clearing) cleared[low] = 1;
      }
      if (++steps % 4096 === 0) {
        throwIfCancelled(opts.signal);
        await yieldToEventLoop();
      }
    }
  }
  const essential: number[] = [];
  for (let j = 0; j < n; j++) if (isPositive[j] && pivotOwner[j] < 0) essential.push(j);
  pairs.sort((a, b) => a[0] - b[0]);
  return { pairs, essential, additions };
}
