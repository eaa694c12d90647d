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
 */
import type { JobContext } from '../jobs';
import { matrix, transpose, type Matrix } from '../linalg/matrix';
import { readAllF32, readElementsF32 } from '../io/tensorReader';
import type { MatrixRole, ModelHandle, RoleMatrixRef, TensorEntry } from './types';

function tensorOf(model: ModelHandle, name: string): TensorEntry {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`${model.path} has no tensor named '${name}'`);
  return t;
}

export function roleRef(model: ModelHandle, layer: number, role: MatrixRole): RoleMatrixRef {
  const info = model.layers.find((l) => l.index === layer);
  if (!info)
    throw new Error(
      `${model.path} has no layer ${layer} (layers: ${model.layers.length ? `${model.layers[0].index}…${model.layers[model.layers.length - 1].index}` : 'none found'})`,
    );
  const ref = info.roles[role];
  if (!ref) throw new Error(`layer ${layer} of ${model.path} has no '${role}' matrix (it has: ${Object.keys(info.roles).join(', ') || 'none'})`);
  return ref;
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

/** One of the seven role matrices of a layer as float32 `[out, in]`. */
export async function readRoleMatrix(model: ModelHandle, layer: number, role: MatrixRole, ctx: JobContext = {}): Promise<Matrix> {
  const ref = roleRef(model, layer, role);
  const { source } = ref;
  const t = tensorOf(model, source.tensor);
  if (t.shape.length !== 2) throw new Error(`tensor '${t.name}' has shape [${t.shape.join(', ')}], not a matrix`);
  const [R, C] = t.shape;
  let m: Matrix;
  if (!source.transpose && source.rows) {
    // A contiguous row block: read just those bytes (a third of a fused qkv, half of gate_up).
    const [r0, r1] = source.rows;
    m = matrix(r1 - r0, C, await readTensorRowsF32(model, t.name, r0, r1, ctx));
  } else {
    m = matrix(R, C, await readAllF32(t, ctx));
    if (source.transpose) m = transpose(m);
    if (source.rows) m = matrix(source.rows[1] - source.rows[0], m.cols, m.data.slice(source.rows[0] * m.cols, source.rows[1] * m.cols));
    else if (source.rowIndex) m = gatherRows(m, source.rowIndex);
  }
  if (m.rows !== ref.shape[0] || m.cols !== ref.shape[1])
    throw new Error(`layer ${layer} ${role}: read [${m.rows}, ${m.cols}] but the map says [${ref.shape.join(', ')}]`);
  return m;
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
