/**
 * The |W| image of a matrix (or of each slice of a stacked 3-D expert tensor): the rows and
 * columns are pooled into a grid of at most 256 × 256 cells, each holding the largest |w| and the
 * mean |w| of the entries it covers, accumulated chunk by chunk as the tensor streams (never the
 * whole tensor at once). The same pass counts, per column cell, the entries with |w| > 6σ (the
 * "outlier features" count of LLM.int8(), Dettmers et al. 2022, taken over the weights) and feeds
 * the top-|w| list.
 */
import type { TopAbs } from './topOutliers';

/** Most cells a side of one slice's grid has. */
export const IMAGE_MAX_SIDE = 256;
/** Most cells all slices' grids have together (a 256-expert tensor gets 32 × 32 per expert). */
export const IMAGE_MAX_CELLS = 1 << 18;

export interface WeightImage {
  /** 1 for a matrix; the leading dimension of a 3-D tensor. */
  slices: number;
  /** Rows and columns of one slice of the tensor. */
  rows: number;
  cols: number;
  /** Cells per slice: `gridRows × gridCols`. */
  gridRows: number;
  gridCols: number;
  /** Largest |w| per cell, slice-major then row-major; null where a cell holds no finite value. */
  max: (number | null)[];
  /** Mean |w| per cell over its finite values; null where it holds none. */
  mean: (number | null)[];
  /** |w| above which an entry counts as an outlier: 6σ. */
  outlierThreshold: number;
  /** Per column cell, the entries (over all rows and slices) with |w| > outlierThreshold. */
  outliersPerColumnCell: number[];
}

/** The first and last index (inclusive) of the `cell`-th of `grid` cells over `n` items: item i is in cell ⌊i·grid/n⌋. */
export function cellRange(cell: number, n: number, grid: number): [number, number] {
  return [Math.ceil((cell * n) / grid), Math.ceil(((cell + 1) * n) / grid) - 1];
}

/** Whether a tensor of this shape has an image: a matrix, or a 3-D stack of matrices. */
export function hasImage(shape: readonly number[]): boolean {
  return (shape.length === 2 || shape.length === 3) && shape.every((d) => d > 0);
}

function cellOf(n: number, grid: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((i * grid) / n);
  return out;
}

export class WeightImageAccumulator {
  readonly slices: number;
  readonly rows: number;
  readonly cols: number;
  readonly gridRows: number;
  readonly gridCols: number;
  private readonly rowCell: Int32Array;
  private readonly colCell: Int32Array;
  private readonly max: Float32Array;
  private readonly sum: Float64Array;
  /** Non-finite entries per cell (rare, so counted apart: a cell's finite count is its size minus these). */
  private readonly nonFinite: Float64Array;
  private readonly colOutliers: Float64Array;

  /**
   * @param shape `[rows, cols]` or `[slices, rows, cols]` (hasImage).
   * @param threshold |w| above which an entry is an outlier (6σ).
   */
  constructor(
    shape: readonly number[],
    private readonly threshold: number,
  ) {
    if (!hasImage(shape)) throw new Error(`A |W| image needs a matrix or a stack of matrices, not shape [${shape.join(', ')}]`);
    const [slices, rows, cols] = shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [1, shape[0]!, shape[1]!];
    const side = Math.max(1, Math.min(IMAGE_MAX_SIDE, Math.floor(Math.sqrt(IMAGE_MAX_CELLS / slices))));
    this.slices = slices;
    this.rows = rows;
    this.cols = cols;
    this.gridRows = Math.min(rows, side);
    this.gridCols = Math.min(cols, side);
    this.rowCell = cellOf(rows, this.gridRows);
    this.colCell = cellOf(cols, this.gridCols);
    const cells = slices * this.gridRows * this.gridCols;
    this.max = new Float32Array(cells).fill(-1);
    this.sum = new Float64Array(cells);
    this.nonFinite = new Float64Array(cells);
    this.colOutliers = new Float64Array(this.gridCols);
  }

  /** Adds the values at flat indices first … first + values.length − 1, offering the large ones to `top`. */
  add(values: Float32Array, first: number, top: TopAbs): void {
    const { rows, cols, gridRows, gridCols, rowCell, colCell, max, sum, nonFinite, colOutliers, threshold } = this;
    const perSlice = rows * cols;
    let slice = Math.floor(first / perSlice);
    const inSlice = first - slice * perSlice;
    let r = Math.floor(inSlice / cols);
    let c = inSlice - r * cols;
    let i = 0;
    const n = values.length;
    let floor = top.floor;
    while (i < n) {
      const len = Math.min(cols - c, n - i);
      const base = (slice * gridRows + rowCell[r]!) * gridCols;
      for (let j = 0; j < len; j++) {
        const x = values[i + j]!;
        const col = colCell[c + j]!;
        const k = base + col;
        if (x - x !== 0) {
          // NaN or ±Inf
          nonFinite[k]++;
          continue;
        }
        const a = Math.abs(x);
        if (a > max[k]!) max[k] = a;
        sum[k] += a;
        if (a > threshold) colOutliers[col]++;
        if (a > floor) {
          top.offer(x, first + i + j);
          floor = top.floor;
        }
      }
      i += len;
      c = 0;
      if (++r === rows) {
        r = 0;
        slice++;
      }
    }
  }

  result(): WeightImage {
    const { gridRows, gridCols, slices } = this;
    const max = new Array<number | null>(this.max.length);
    const mean = new Array<number | null>(this.max.length);
    // Entries per row cell and per column cell, from the pooling itself.
    const rowsIn = new Float64Array(gridRows);
    for (const r of this.rowCell) rowsIn[r]++;
    const colsIn = new Float64Array(gridCols);
    for (const c of this.colCell) colsIn[c]++;
    for (let k = 0; k < this.max.length; k++) {
      const inSlice = k % (gridRows * gridCols);
      const m = rowsIn[Math.floor(inSlice / gridCols)]! * colsIn[inSlice % gridCols]! - this.nonFinite[k]!;
      max[k] = m > 0 ? this.max[k]! : null;
      mean[k] = m > 0 ? this.sum[k]! / m : null;
    }
    return {
      slices,
      rows: this.rows,
      cols: this.cols,
      gridRows,
      gridCols,
      max,
      mean,
      outlierThreshold: this.threshold,
      outliersPerColumnCell: Array.from(this.colOutliers),
    };
  }
}
