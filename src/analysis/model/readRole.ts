/**
 * Reads weights as float32 matrices in the `[out, in]` convention, whatever the storage: GPT-2's
 * Conv1D `[in, out]` is transposed, fused tensors are cut to the role's rows, and only the bytes
 * needed are read when the role is a contiguous row block of an untransposed tensor.
 *
 * Head conventions (the Hugging Face forward pass; methods.md §Heads):
 * - q/k/v head h is rows `h*hd … (h+1)*hd` of the role matrix `[n_heads*hd, d]` (k and v with
 *   n_kv_heads): a `[hd, d]` matrix.
 * - o head h is columns `h*hd … (h+1)*hd` of o_proj `[d, n_heads*hd]`; headSlice returns it
 *   transposed, `[hd, d]`, so every head slice has the head dimension first.
 * - Grouped-query attention: with r = n_heads / n_kv_heads, query head h reads key/value head
 *   floor(h / r) (`repeat_kv`); kvHeadOf gives that index.
 *
 * Mixture-of-experts layers: matrixRef/readMatrixKind take an expert selector (routed expert `e` or
 * `'shared'`) for gate/up/down, and the extra kinds (`router`, MLA's `q_a`, `q_b`, `kv_a`, `kv_b`).
 */
import type { JobContext } from '../jobs';
import { matrix, transpose, type Matrix } from '../linalg/matrix';
import { readAllF32, readElementsF32 } from '../io/tensorReader';
import { readE4M3BlockScaled, type BlockScaleGrid } from '../io/fp8BlockScaled';
import { readMxfp4Expert } from '../io/mxfp4Blocks';
import { checkKvBSplit, rebuiltKvB } from './gguf/ggufMlaTensors';
import {
  EXTRA_MATRIX_KINDS,
  type ExpertSelector,
  type MatrixKind,
  type MatrixRole,
  type ModelHandle,
  type RoleMatrixRef,
  type RoleSource,
  type TensorEntry,
} from './types';

function tensorOf(model: ModelHandle, name: string): TensorEntry {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`${model.path} has no tensor named '${name}'`);
  return t;
}

function layerInfo(model: ModelHandle, layer: number) {
  const info = model.layers.find((l) => l.index === layer);
  if (!info)
    throw new Error(
      `${model.path} has no layer ${layer} (layers: ${model.layers.length ? `${model.layers[0].index}…${model.layers[model.layers.length - 1].index}` : 'none found'})`,
    );
  return info;
}

export function roleRef(model: ModelHandle, layer: number, role: MatrixRole): RoleMatrixRef {
  const info = layerInfo(model, layer);
  const ref = info.roles[role];
  if (!ref) {
    const moe =
      info.moe && (role === 'gate' || role === 'up' || role === 'down')
        ? `; it is a mixture-of-experts layer: choose an expert (0…${info.moe.experts.length - 1}${info.moe.shared ? ' or the shared expert' : ''})`
        : '';
    throw new Error(`layer ${layer} of ${model.path} has no '${role}' matrix (it has: ${Object.keys(info.roles).join(', ') || 'none'})${moe}`);
  }
  return ref;
}

/**
 * The reference of any matrix of a layer: one of the seven roles or an extra kind (`router`, `q_a`…),
 * or, with `expert`, gate/up/down of that routed expert or of the shared expert.
 */
export function matrixRef(model: ModelHandle, layer: number, kind: MatrixKind, expert?: ExpertSelector): RoleMatrixRef<MatrixKind> {
  const info = layerInfo(model, layer);
  if (expert !== undefined) {
    if (kind !== 'gate' && kind !== 'up' && kind !== 'down') throw new Error(`'${kind}' is not an expert matrix; experts have gate, up and down`);
    const moe = info.moe;
    if (!moe) throw new Error(`layer ${layer} of ${model.path} is not a mixture-of-experts layer, so it has no experts`);
    const what = expert === 'shared' ? 'the shared expert' : `expert ${expert}`;
    const matrices = expert === 'shared' ? moe.shared : Number.isInteger(expert) ? moe.experts[expert] : undefined;
    if (!matrices)
      throw new Error(
        expert === 'shared'
          ? `layer ${layer} of ${model.path} has no shared expert`
          : `layer ${layer} of ${model.path} has no expert ${expert} (experts 0…${moe.experts.length - 1})`,
      );
    const ref = matrices[kind];
    if (!ref) throw new Error(`${what} of layer ${layer} has no '${kind}' matrix (see the model's notes for why)`);
    return ref;
  }
  if ((EXTRA_MATRIX_KINDS as readonly string[]).includes(kind)) {
    const ref = info.extra?.[kind as (typeof EXTRA_MATRIX_KINDS)[number]];
    if (!ref)
      throw new Error(`layer ${layer} of ${model.path} has no '${kind}' matrix (its extra matrices: ${Object.keys(info.extra ?? {}).join(', ') || 'none'})`);
    return ref;
  }
  return roleRef(model, layer, kind as MatrixRole);
}

/** The whole tensor as float32, in storage order. */
export function readTensorF32(model: ModelHandle, name: string, ctx: JobContext = {}): Promise<Float32Array> {
  return readAllF32(tensorOf(model, name), ctx);
}

/** Rows `r0 … r1` (exclusive) of a tensor whose first axis is rows, as float32. */
export function readTensorRowsF32(model: ModelHandle, name: string, r0: number, r1: number, ctx: JobContext = {}): Promise<Float32Array> {
  const t = tensorOf(model, name);
  if (t.shape.length === 0) throw new Error(`tensor '${name}' is a scalar and has no rows`);
  const rows = t.shape[0];
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= rows))
    throw new Error(`rows ${r0}..${r1} are outside tensor '${name}' with ${rows} rows`);
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return readElementsF32(t, r0 * width, (r1 - r0) * width, ctx);
}

function gatherRows(m: Matrix, rows: number[]): Matrix {
  const out = new Float32Array(rows.length * m.cols);
  rows.forEach((r, i) => out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return matrix(rows.length, m.cols, out);
}

function steppedRows(m: Matrix, r0: number, r1: number, step: number): Matrix {
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= m.rows))
    throw new Error(`rows ${r0}..${r1} are outside a matrix of ${m.rows} rows`);
  const rows: number[] = [];
  for (let r = r0; r < r1; r += step) rows.push(r);
  return gatherRows(m, rows);
}

/** `[a, b]` of the stored matrix: the tensor itself, or one expert's slice of a 3-D tensor (4-D MXFP4 blocks). */
function storedMatrixShape(t: TensorEntry, expert: number | undefined, mxfp4 = false): [number, number] {
  if (mxfp4) {
    if (t.shape.length !== 4 || t.shape[3] !== 16 || t.dtype !== 'U8')
      throw new Error(`tensor '${t.name}' is ${t.dtype} [${t.shape.join(', ')}], not MXFP4 blocks U8 [experts, rows, groups, 16]`);
    const e = expert ?? 0;
    if (!Number.isInteger(e) || e < 0 || e >= t.shape[0]) throw new Error(`tensor '${t.name}' holds ${t.shape[0]} experts, not expert ${e}`);
    return [t.shape[1], t.shape[2] * 32];
  }
  if (expert === undefined) {
    if (t.shape.length !== 2) throw new Error(`tensor '${t.name}' has shape [${t.shape.join(', ')}], not a matrix`);
    return [t.shape[0], t.shape[1]];
  }
  if (t.shape.length !== 3) throw new Error(`tensor '${t.name}' has shape [${t.shape.join(', ')}], not [experts, rows, columns]`);
  if (!Number.isInteger(expert) || expert < 0 || expert >= t.shape[0]) throw new Error(`tensor '${t.name}' holds ${t.shape[0]} experts, not expert ${expert}`);
  return [t.shape[1], t.shape[2]];
}

/** The FP8 block inverse-scale grid of a matrix source, checked against the matrix's shape. */
async function blockScaleGrid(model: ModelHandle, source: RoleSource, ctx: JobContext): Promise<BlockScaleGrid> {
  const bs = source.blockScale!;
  const scale = tensorOf(model, bs.tensor);
  const lead = source.expert === undefined ? 0 : 1;
  if (scale.shape.length !== 2 + lead) throw new Error(`scale tensor '${scale.name}' has shape [${scale.shape.join(', ')}], not a grid of blocks`);
  const [sr, sc] = scale.shape.slice(lead);
  const [bm, bn] = bs.block;
  const [R, C] = storedMatrixShape(tensorOf(model, source.tensor), source.expert);
  if (sr !== Math.ceil(R / bm) || sc !== Math.ceil(C / bn))
    throw new Error(
      `scale tensor '${scale.name}' is [${sr}, ${sc}] blocks, but [${R}, ${C}] in ${bm}×${bn} blocks needs [${Math.ceil(R / bm)}, ${Math.ceil(C / bn)}]`,
    );
  const scales = await readElementsF32(scale, (source.expert ?? 0) * sr * sc, sr * sc, ctx);
  return { scales, cols: C, gridCols: sc, block: [bm, bn] };
}

/** Multiplies `m` (rows `r0…` of the stored matrix) by its FP8 block inverse scales, in place. */
async function applyBlockScale(model: ModelHandle, source: RoleSource, m: Matrix, r0: number, ctx: JobContext): Promise<void> {
  const { scales: s, gridCols: sc, block } = await blockScaleGrid(model, source, ctx);
  const [bm, bn] = block;
  const { rows, cols, data } = m;
  // Block by block along each row: one scale load per bn values and no division in the inner loop.
  for (let i = 0; i < rows; i++) {
    const srow = Math.floor((r0 + i) / bm) * sc;
    const row = i * cols;
    for (let cb = 0, j0 = 0; j0 < cols; cb++, j0 += bn) {
      const f = s[srow + cb];
      const end = row + Math.min(cols, j0 + bn);
      for (let k = row + j0; k < end; k++) data[k] *= f;
    }
  }
}

/** Any matrix reference as float32 `[out, in]`, following its source's slice, transpose and row selection. */
/** One expert's MXFP4 matrix `[rows, groups·32]`, decoded (mxfp4.ts). */
async function readMxfp4(model: ModelHandle, source: RoleSource, ctx: JobContext): Promise<Matrix> {
  const t = tensorOf(model, source.tensor);
  const [R, C] = storedMatrixShape(t, source.expert, true);
  const groups = C / 32;
  const scales = tensorOf(model, source.mxfp4!.scales);
  if (scales.shape.length !== 3 || scales.shape[0] !== t.shape[0] || scales.shape[1] !== R || scales.shape[2] !== groups)
    throw new Error(`MXFP4 scales '${scales.name}' are [${scales.shape.join(', ')}], but blocks '${t.name}' need [${t.shape[0]}, ${R}, ${groups}]`);
  // The exponents are raw bytes whether stored as U8 (gpt-oss) or as the format's own F8_E8M0, whose
  // decoded value 2^(e − 127) is already the scale and must not be exponentiated a second time.
  if (scales.dtype !== 'U8' && scales.dtype !== 'F8_E8M0')
    throw new Error(`MXFP4 scales '${scales.name}' are ${scales.dtype}, not E8M0 exponents (U8 or F8_E8M0)`);
  return matrix(R, C, await readMxfp4Expert(t, scales, source.expert ?? 0, R, groups, ctx));
}

/**
 * DeepSeek's kv_b_proj rebuilt from the converter's attn_k_b / attn_v_b (RoleSource `mlaKvB`): the
 * stored shapes checked against the metadata's sizes first (a ModelFileError naming the tensor),
 * then the one rebuild of gguf/ggufMlaTensors.ts, which the executor reads too.
 */
async function readMlaKvB(model: ModelHandle, source: RoleSource, ctx: JobContext): Promise<Matrix> {
  const split = source.mlaKvB!;
  if (source.expert !== undefined || source.blockScale || source.mxfp4)
    throw new Error(`kv_b rebuilt from '${source.tensor}' and '${split.vb}' cannot also be an expert slice, block-scaled or MXFP4`);
  const kB = tensorOf(model, source.tensor),
    vB = tensorOf(model, split.vb);
  checkKvBSplit(model.path, kB, vB, split);
  const w = rebuiltKvB(kB, vB);
  return matrix(w.shape[0], w.shape[1], await w.read(ctx));
}

/** `m` with the source's row range (every `step`-th row of it) or row list applied. */
function selectRows(m: Matrix, source: RoleSource, step: number, what: string): Matrix {
  if (source.rows) {
    const [r0, r1] = source.rows;
    if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= m.rows))
      throw new Error(`rows ${r0}..${r1} are outside '${what}' read as ${m.rows} rows`);
    return step === 1 ? matrix(r1 - r0, m.cols, m.data.slice(r0 * m.cols, r1 * m.cols)) : steppedRows(m, r0, r1, step);
  }
  return source.rowIndex ? gatherRows(m, source.rowIndex) : m;
}

/**
 * Elements `[first, first+count)` of a matrix stored from element `base` (rows from `r0`), with its
 * FP8 block scales applied: E4M3 is decoded and scaled in one pass (io/fp8BlockScaled.ts, a WASM
 * SIMD kernel), any other dtype read and then scaled. With `into`, decoded straight into it.
 */
async function readScaledElements(
  model: ModelHandle,
  source: RoleSource,
  t: TensorEntry,
  base: number,
  first: number,
  count: number,
  r0: number,
  ctx: JobContext,
  into?: Float32Array,
): Promise<Float32Array> {
  if (source.blockScale && t.dtype === 'F8_E4M3') return readE4M3BlockScaled(t, base, first, count, await blockScaleGrid(model, source, ctx), ctx, into);
  const data = await readElementsF32(t, first, count, ctx, into);
  if (source.blockScale) {
    const cols = storedMatrixShape(t, source.expert)[1];
    await applyBlockScale(model, source, matrix(count / cols, cols, data), r0, ctx);
  }
  return data;
}

export async function readMatrix(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>, ctx: JobContext = {}): Promise<Matrix> {
  const { source } = ref;
  const step = source.rowStep ?? 1;
  if (!Number.isInteger(step) || step < 1) throw new Error(`row step ${step} of '${source.tensor}' is not a positive integer`);
  if (source.mlaKvB) {
    // Two 3-D tensors, not one stored matrix: rebuilt whole, then cut like any read matrix.
    let kv = await readMlaKvB(model, source, ctx);
    if (source.transpose) kv = transpose(kv);
    return checkedShape(ref, selectRows(kv, source, step, `${source.tensor} + ${source.mlaKvB.vb}`));
  }
  const t = tensorOf(model, source.tensor);
  const [R, C] = storedMatrixShape(t, source.expert, source.mxfp4 !== undefined);
  const base = (source.expert ?? 0) * R * C;
  let m: Matrix;
  if (source.mxfp4) {
    m = await readMxfp4(model, source, ctx);
    if (source.transpose) m = transpose(m);
    if (source.rows) m = steppedRows(m, source.rows[0], source.rows[1], step);
  } else if (!source.transpose && source.rows && step === 1) {
    // A contiguous row block: read just those bytes (a third of a fused qkv, half of gate_up, one expert).
    const [r0, r1] = source.rows;
    if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= R))
      throw new Error(`rows ${r0}..${r1} are outside '${t.name}' with ${R} rows`);
    m = matrix(r1 - r0, C, await readScaledElements(model, source, t, base, base + r0 * C, (r1 - r0) * C, r0, ctx));
  } else {
    m = matrix(R, C, await readScaledElements(model, source, t, base, base, R * C, 0, ctx));
    if (source.transpose) m = transpose(m);
    m = selectRows(m, source, step, t.name);
  }
  return checkedShape(ref, m);
}

/** Reads rows `r0 … r1` (exclusive) of one matrix as float32 `(r1 − r0) × cols`, row-major; with `into`, into its start. */
export type MatrixRowReader = (r0: number, r1: number, ctx?: JobContext, into?: Float32Array) => Promise<Float32Array>;

/**
 * A reader of row blocks of `ref`, each read alone and with its scales applied as readMatrix applies
 * them (FP8 block scales, per-channel scales), where the storage keeps the matrix's rows contiguous:
 * a 2-D tensor, one expert of a 3-D one, a fused tensor's row block. Null where it does not
 * (transposed, stepped or gathered rows, MXFP4 experts, a rebuilt kv_b): those are read whole.
 * The analyses that stream a 70B layer's matrices in row blocks (correlations, the diff) read
 * through it, so that a block-scaled FP8 checkpoint stays within the memory budget too.
 */
export function matrixRowReader(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): MatrixRowReader | null {
  const { source } = ref;
  if (source.transpose || source.mxfp4 || source.mlaKvB || source.rowIndex || (source.rowStep ?? 1) !== 1) return null;
  const t = model.tensors.get(source.tensor);
  if (!t || !(source.expert === undefined ? t.shape.length === 2 : t.shape.length === 3 && Number.isInteger(source.expert))) return null;
  const [R, C] = storedMatrixShape(t, source.expert);
  const [rows, cols] = ref.shape;
  const top = source.rows?.[0] ?? 0;
  if (C !== cols || top + rows > R) return null;
  const base = (source.expert ?? 0) * R * C;
  return (r0, r1, ctx = {}, into) => {
    if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= rows))
      return Promise.reject(new Error(`rows ${r0}..${r1} are outside layer ${ref.layer} ${ref.role} with ${rows} rows`));
    // As readMatrix's contiguous case: the block's elements and its rows' place in the scale grid.
    return readScaledElements(model, source, t, base, base + (top + r0) * C, (r1 - r0) * C, top + r0, ctx, into);
  };
}

/**
 * readMatrix into `into` where the storage keeps the matrix's rows contiguous (matrixRowReader) and
 * `into` has exactly its size: the same values with no fresh array. Anywhere else, readMatrix's own
 * new array; the caller tells which by the result's `data`.
 */
export async function readMatrixInto(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>, into: Float32Array, ctx: JobContext = {}): Promise<Matrix> {
  const [rows, cols] = ref.shape;
  const rowsOf = into.length === rows * cols ? matrixRowReader(model, ref) : null;
  return rowsOf ? { rows, cols, data: await rowsOf(0, rows, ctx, into) } : readMatrix(model, ref, ctx);
}

/** `m` when it has the shape the role map promised, else an error naming the matrix. */
function checkedShape(ref: RoleMatrixRef<MatrixKind>, m: Matrix): Matrix {
  if (m.rows !== ref.shape[0] || m.cols !== ref.shape[1]) {
    const who = ref.expert === undefined ? '' : ref.expert === 'shared' ? ' (shared expert)' : ` (expert ${ref.expert})`;
    throw new Error(`layer ${ref.layer} ${ref.role}${who}: read [${m.rows}, ${m.cols}] but the map says [${ref.shape.join(', ')}]`);
  }
  return m;
}

/** One of the seven role matrices of a layer as float32 `[out, in]`. */
export async function readRoleMatrix(model: ModelHandle, layer: number, role: MatrixRole, ctx: JobContext = {}): Promise<Matrix> {
  return readMatrix(model, roleRef(model, layer, role), ctx);
}

/** Any matrix kind of a layer (with `expert`: that expert's gate/up/down) as float32 `[out, in]`. */
export async function readMatrixKind(model: ModelHandle, layer: number, kind: MatrixKind, expert?: ExpertSelector, ctx: JobContext = {}): Promise<Matrix> {
  return readMatrix(model, matrixRef(model, layer, kind, expert), ctx);
}

function heads(model: ModelHandle, role: MatrixRole): { count: number; hd: number } {
  const a = model.attention;
  if (!a) throw new Error(`${model.path}: the attention head layout is unknown (no usable head counts in config.json), so heads cannot be sliced`);
  if (role === 'q' || role === 'o') return { count: a.numHeads, hd: a.headDim };
  if (role === 'k' || role === 'v') return { count: a.numKvHeads, hd: a.headDim };
  throw new Error(`'${role}' is not an attention matrix; only q, k, v and o have heads`);
}

/**
 * Head `head` of a role matrix read by readRoleMatrix: q/k/v → rows `head*hd … (head+1)*hd`
 * (`[hd, d]`); o → columns `head*hd … (head+1)*hd`, transposed to `[hd, d]`.
 */
export function headSlice(model: ModelHandle, m: Matrix, role: MatrixRole, head: number): Matrix {
  const { count, hd } = heads(model, role);
  if (!Number.isInteger(head) || head < 0 || head >= count) throw new Error(`head ${head} is out of range: ${role} has ${count} heads`);
  if (role === 'o') {
    if (m.cols !== count * hd) throw new Error(`o has ${m.cols} columns, expected ${count} heads × ${hd}`);
    const out = new Float32Array(hd * m.rows);
    for (let i = 0; i < m.rows; i++) {
      const row = i * m.cols + head * hd;
      for (let j = 0; j < hd; j++) out[j * m.rows + i] = m.data[row + j];
    }
    return matrix(hd, m.rows, out);
  }
  if (m.rows !== count * hd) throw new Error(`${role} has ${m.rows} rows, expected ${count} heads × ${hd}`);
  return matrix(hd, m.cols, m.data.slice(head * hd * m.cols, (head + 1) * hd * m.cols));
}

/** The key/value head that query head `h` attends with under grouped-query attention. */
export function kvHeadOf(model: ModelHandle, queryHead: number): number {
  const a = model.attention;
  if (!a) throw new Error(`${model.path}: the attention head layout is unknown`);
  return Math.floor(queryHead / (a.numHeads / a.numKvHeads));
}
