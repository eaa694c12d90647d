/**
 * DOCS — Distribution of Cosine Similarity (Min & Wang, ICLR 2025; spec §1).
 * For X, Y of equal shape n×m, compare their m columns:
 *   C[j,k] = cos(X_j, Y_k);  s_X[j] = max_k |C[j,k]|;  s_Y[k] = max_j |C[j,k]|;
 *   S = (u_X + u_Y) / 2, u = the maximum-likelihood Gumbel location of s_X (resp. s_Y).
 * The cosine matrix is never formed whole: the engine's blocked kernel keeps only the running
 * row and column maxima. Taking |cos| and maxima over all partners makes S invariant to column
 * permutation, per-column sign flips and scaling; averaging the two sides makes it symmetric.
 */
import * as ort from 'onnxruntime-node';
import type { Engine } from '../../engine/engine';
import { chooseDocsPath, docsPathOverride, type DocsPath } from '../../engine/int8Calibration';
import { columnNormalize } from '../../engine/kernels/columnNormalize';
import { buildFloat32BlockGraph } from '../../engine/kernels/int8Graphs';
import { int8MaxAbsCosine } from '../../engine/kernels/int8MaxAbsCosine';
import { int8DocsMemory } from '../../engine/kernels/int8Memory';
import { maxAbsCosine, planBlocks } from '../../engine/kernels/maxAbsCosine';
import { throwIfCancelled, type JobContext } from '../../jobs';
import { scaleRowsToUnit, transpose, type Matrix } from '../../linalg/matrix';
import type { MatrixKind, MatrixRole } from '../../model/types';
import { fitGumbel, type GumbelFit } from '../../stats/gumbel';
import { ORIENTATIONS, type Orientation } from './names';

export { ORIENTATIONS, type Orientation } from './names';
export type { DocsPath } from '../../engine/int8Calibration';

/** 'exact' (default): maxima equal to the float32 computation's; 'fast': one int8 product, within a reported bound. */
export type DocsPrecision = 'exact' | 'fast';
export const DOCS_PRECISIONS: readonly DocsPrecision[] = ['exact', 'fast'];

const READS_FROM_INNER_SPACE: ReadonlySet<MatrixRole> = new Set<MatrixRole>(['o', 'down']);

/** 'rows' or 'columns' for a role under an orientation choice. */
export function resolveOrientation(role: MatrixKind, orientation: Orientation = 'neuron'): 'rows' | 'columns' {
  if (orientation === 'rows' || orientation === 'columns') return orientation;
  if (orientation !== 'neuron') throw new Error(`Unknown orientation '${String(orientation)}': use one of ${ORIENTATIONS.join(', ')}`);
  // The router and MLA's factor matrices all read the residual stream or a latent: their neurons are rows, like q's.
  return READS_FROM_INNER_SPACE.has(role as MatrixRole) ? 'columns' : 'rows';
}

/**
 * The matrix whose columns DOCS compares: the `[out, in]` weight itself for 'columns', its
 * transpose for 'rows'. (The kernel transposes while it normalises, so comparing rows costs one
 * extra transpose of the weight and nothing in the hot loop.)
 */
export function orientForDocs(weight: Matrix, side: 'rows' | 'columns'): Matrix {
  return side === 'columns' ? weight : transpose(weight);
}

export interface DocsResult {
  /** S_DOCS = (u_X + u_Y) / 2. */
  docs: number;
  /** Gumbel fit of the row maxima s_X (one per column of X). */
  fitX: GumbelFit;
  /** Gumbel fit of the column maxima s_Y (one per column of Y). */
  fitY: GumbelFit;
  /** s_X[j] = max_k |cos(X_j, Y_k)|. */
  rowMax: Float32Array;
  /** s_Y[k] = max_j |cos(X_j, Y_k)|. */
  colMax: Float32Array;
  /** Which computation produced the maxima (docsOfNormalized; the others always run float32). */
  docsPath?: DocsPath;
  /** Why the integer path was not considered: its quantized copies do not fit the memory budget beside the float32 matrices. */
  docsPathReason?: string;
  /** int8-refined: cosines recomputed exactly after the integer screen, of `entries`. */
  refined?: number;
  entries?: number;
  /** int8-fast: bound on |reported − true| over every row and column maximum, largest and mean. */
  errorBound?: { max: number; mean: number };
}

/** DOCS from already computed row and column maxima (the Gumbel part of the method). */
export function docsFromMaxima(rowMax: Float32Array, colMax: Float32Array): DocsResult {
  for (const v of [rowMax, colMax]) {
    if (!v.every(Number.isFinite)) throw new Error('DOCS: a cosine is not a finite number; the weights contain NaN or Inf');
  }
  const fitX = fitGumbel(rowMax);
  const fitY = fitGumbel(colMax);
  return { docs: (fitX.loc + fitY.loc) / 2, fitX, fitY, rowMax, colMax };
}

/**
 * DOCS of X and Y (n×m each; the columns are the compared vectors — orient with orientForDocs).
 * A zero column has cosine 0 with everything (the kernel's convention). One pair at a time (the
 * checkpoint diff, an adapter against its base): the float32 kernel scales the cosine blocks by
 * inverse norms and needs no normalised copies; where this CPU's calibration finds the exact integer
 * path faster and its copies fit the memory budget beside X and Y, the pair goes through
 * docsOfNormalized instead, as the whole-model job's pairs do. The result records which ran.
 */
export async function docsSimilarity(engine: Engine, x: Matrix, y: Matrix, ctx: JobContext = {}): Promise<DocsResult> {
  if (x.rows !== y.rows || x.cols !== y.cols) {
    throw new Error(`DOCS needs two matrices of the same shape; got ${x.rows}×${x.cols} and ${y.rows}×${y.cols}`);
  }
  if (x.cols === 0 || x.rows === 0) throw new Error(`DOCS needs non-empty matrices; got ${x.rows}×${x.cols}`);
  if (await pairTakesIntegerPath(engine, x)) {
    const [xt, yt] = [await normalizedColumns(engine, x), await normalizedColumns(engine, y)];
    return docsOfNormalized(engine, xt, yt, { signal: ctx.signal, docsPrecision: 'exact', integer: 'always' });
  }
  const { rowMax, colMax } = await maxAbsCosine(engine, x, y, ctx);
  return { ...docsFromMaxima(rowMax, colMax), docsPath: 'float32' };
}

/** Whether one pair of n×m matrices should take the exact integer path (see docsSimilarity). */
async function pairTakesIntegerPath(engine: Engine, x: Matrix): Promise<boolean> {
  const n = x.rows,
    m = x.cols;
  // The normalised copies of X and Y come on top of what docsOfNormalized accounts for.
  return (await docsPathFor(engine, m, m, n, 'exact', undefined, 2 * 4 * m * n)).docsPath !== 'float32';
}

/**
 * A matrix in the form the cosine blocks consume: every column of X scaled to unit length and
 * stored as a row (m×n). The whole-model job keeps one per layer, so a layer is normalised once
 * instead of once per pair (normalising and transposing an 8192×2048 matrix costs a sizeable
 * fraction of one pair's GEMM).
 */
export function normalizedColumns(engine: Engine, x: Matrix): Promise<Matrix> {
  return columnNormalize(engine, x, { transpose: true });
}

/**
 * The same form when the compared vectors are the rows of W ('rows' orientation: q, k, v, gate,
 * up by default): W with each row scaled to unit length, no transpose at all. O(n·m) in plain JS
 * with float64 sums; a zero row stays zero, as in columnNormalize.
 */
export function normalizedRows(w: Matrix): Matrix {
  const out = new Float32Array(w.data.length);
  scaleRowsToUnit(w, 0, w.rows, out);
  return { rows: w.rows, cols: w.cols, data: out };
}

/**
 * normalizedRows without the copy: scales W's rows to unit length in its own memory and returns
 * it. For a matrix read only to be compared (the whole-model job's layer cache), so that a layer
 * costs one float32 matrix instead of two while it is prepared (two 28672×8192 layers: 1.75 GiB
 * rather than 2.6 GiB at the moment the second is normalised). The values are those of
 * normalizedRows, bit for bit.
 */
export function normalizeRowsInPlace(w: Matrix): Matrix {
  scaleRowsToUnit(w, 0, w.rows, w.data);
  return w;
}

/** Bytes of one float32 value of a float32 cosine block (maxAbsCosineNormalized). */
const CACHE_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * Row and column maxima of |XnT·YnTᵀ| for two normalizedColumns() matrices: the engine kernel's
 * blocked loop (same block plan, same one-run-per-block graph) minus its normalisation step.
 */
export async function maxAbsCosineNormalized(
  engine: Engine,
  xt: Matrix,
  yt: Matrix,
  ctx: JobContext & { blockRows?: number; blockCols?: number } = {},
): Promise<{ rowMax: Float32Array; colMax: Float32Array }> {
  if (xt.cols !== yt.cols) throw new Error(`DOCS: the compared vectors differ in length (${xt.cols} and ${yt.cols})`);
  const n = xt.cols,
    m = xt.rows,
    mPrime = yt.rows;
  const rowMax = new Float32Array(m),
    colMax = new Float32Array(mPrime);
  const plan = planBlocks(engine, n, m, mPrime);
  // Row blocks of at most ~32 MiB per float32 value of C, so that the Abs and the two reductions
  // after the GEMM read from cache rather than memory (8192×8192 with n = 2048: 1024-row blocks
  // about 20 % faster than one block). Overrides (tests: several ragged blocks on small matrices)
  // are clamped to the matrix.
  const cacheRows = Math.max(64, Math.floor(CACHE_BLOCK_BYTES / (4 * Math.max(1, Math.min(mPrime, plan.blockCols)))));
  const blockRows = Math.max(1, Math.min(m, ctx.blockRows ?? Math.min(plan.blockRows, cacheRows)));
  const blockCols = Math.max(1, Math.min(mPrime, ctx.blockCols ?? plan.blockCols));
  const rowPart = new Float32Array(blockRows),
    colPart = new Float32Array(blockCols);
  for (let r0 = 0; r0 < m; r0 += blockRows) {
    const rows = Math.min(blockRows, m - r0);
    const a = new ort.Tensor('float32', xt.data.subarray(r0 * n, (r0 + rows) * n), [rows, n]);
    for (let c0 = 0; c0 < mPrime; c0 += blockCols) {
      throwIfCancelled(ctx.signal);
      const cols = Math.min(blockCols, mPrime - c0);
      const b = new ort.Tensor('float32', yt.data.subarray(c0 * n, (c0 + cols) * n), [cols, n]);
      const rowOut = rowPart.subarray(0, rows),
        colOut = colPart.subarray(0, cols);
      await engine.run(
        'docs:normalizedBlock',
        buildFloat32BlockGraph,
        { a, b },
        {
          row_max: new ort.Tensor('float32', rowOut, [rows]),
          col_max: new ort.Tensor('float32', colOut, [cols]),
        },
      );
      for (let i = 0; i < rows; i++) if (rowOut[i] > rowMax[r0 + i]) rowMax[r0 + i] = rowOut[i];
      for (let k = 0; k < cols; k++) if (colOut[k] > colMax[c0 + k]) colMax[c0 + k] = colOut[k];
    }
  }
  // fp32 rounding can put |cos(x, x)| a few ulps above 1; the exact value is 1.
  for (let i = 0; i < m; i++) rowMax[i] = Math.min(1, rowMax[i]);
  for (let k = 0; k < mPrime; k++) colMax[k] = Math.min(1, colMax[k]);
  return { rowMax, colMax };
}

/** Below this many multiply-adds ×2 per pair (≈ 20 ms of float32 GEMM), 'auto' stays on float32. */
const AUTO_MIN_OPERATIONS = 4e9;

export interface DocsOfNormalizedOptions extends JobContext {
  /** Default 'exact'. */
  docsPrecision?: DocsPrecision;
  /**
   * 'auto' (default): the integer path where this CPU's calibration finds it faster
   * (engine/int8Calibration.ts); 'always' (tests, benchmarks): wherever its products are exact;
   * 'never': float32. Unset, LAYER_LENS_DOCS_PATH may set it (int8Calibration.ts, docsPathOverride).
   * Either integer path runs only where its quantized copies fit the memory budget beside the two
   * float32 matrices (kernels/int8Memory.ts); elsewhere float32 runs and the result says why.
   */
  integer?: 'auto' | 'always' | 'never';
}

/**
 * Which computation DOCS of m×n and m'×n normalised matrices takes (docsOfNormalized), and why not
 * the integer one when that is for a reason worth telling. `integer` as in DocsOfNormalizedOptions;
 * `heldBytes`: memory the caller holds besides the two matrices, taken off the budget.
 */
export async function docsPathFor(
  engine: Engine,
  m: number,
  mPrime: number,
  n: number,
  precision: DocsPrecision,
  integerOption?: 'auto' | 'always' | 'never',
  heldBytes = 0,
): Promise<{ docsPath: DocsPath; docsPathReason?: string }> {
  const integer = integerOption ?? docsPathOverride() ?? 'auto';
  // Small pairs take milliseconds in float32: not worth a calibration (or a quantized copy).
  const small = 2 * m * mPrime * n < AUTO_MIN_OPERATIONS;
  if (integer === 'never' || m === 0 || n === 0 || (integer === 'auto' && small)) return { docsPath: 'float32' };
  // The budget first: no calibration for a pair whose quantized copies could not be held anyway.
  const memory = int8DocsMemory(engine.memoryBudgetBytes - heldBytes, m, mPrime, n, precision);
  if (!memory.fits) return { docsPath: 'float32', docsPathReason: memory.reason };
  return { docsPath: await chooseDocsPath(engine, n, precision, integer) };
}

/**
 * DOCS of two normalizedColumns() matrices (the whole-model job's path): on the integer matrix
 * units where they are faster (an int8 screen refined exactly, or for 'fast' the int8 product
 * alone), else the float32 kernel. The result records which ran.
 */
export async function docsOfNormalized(engine: Engine, xt: Matrix, yt: Matrix, ctx: DocsOfNormalizedOptions = {}): Promise<DocsResult> {
  if (xt.rows !== yt.rows || xt.cols !== yt.cols) {
    throw new Error(`DOCS needs two matrices of the same shape; got ${xt.cols}×${xt.rows} and ${yt.cols}×${yt.rows}`);
  }
  const precision = ctx.docsPrecision ?? 'exact';
  const { docsPath, docsPathReason } = await docsPathFor(engine, xt.rows, yt.rows, xt.cols, precision, ctx.integer);
  if (docsPath === 'float32') {
    if (xt.data.length < xt.rows * xt.cols || yt.data.length < yt.rows * yt.cols)
      throw new Error('DOCS: the float32 path needs the normalised vectors, but only their int8 copies were kept');
    const { rowMax, colMax } = await maxAbsCosineNormalized(engine, xt, yt, ctx);
    return { ...docsFromMaxima(rowMax, colMax), docsPath, ...(docsPathReason ? { docsPathReason } : {}) };
  }
  const r = await int8MaxAbsCosine(engine, xt, yt, { signal: ctx.signal, mode: docsPath === 'int8-fast' ? 'fast' : 'exact' });
  const out: DocsResult = { ...docsFromMaxima(r.rowMax, r.colMax), docsPath, entries: r.entries };
  if (docsPath === 'int8-fast') out.errorBound = { max: r.maxErrorBound, mean: r.meanErrorBound };
  else out.refined = r.refined;
  return out;
}

/**
 * Standard normal quantile, Acklam's rational approximation (relative error < 1.2e-9 on (0, 1)),
 * plenty for a reference line.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5,
    r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
