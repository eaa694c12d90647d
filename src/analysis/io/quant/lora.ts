/**
 * LoRA weights decoded from their factors (PEFT, `tuners/lora/layer.py`):
 *  - `lora`: the update alone, `Linear.get_delta_weight`: ΔW = transpose(B·A, fan_in_fan_out) · scaling,
 *    B = `lora_B` `[out, r]`, A = `lora_A` `[r, in]`. `Embedding.get_delta_weight` always transposes:
 *    `lora_embedding_A` is `[r, num_embeddings]`, `lora_embedding_B` `[embedding_dim, r]`, ΔW `[num_embeddings, embedding_dim]`.
 *  - `lora-merged`: the base weight with the update added, `LoraLayer.merge` (W + ΔW); with DoRA
 *    (`variants.py` `DoraLinearVariant.merge_safe`, `dora.py` `DoraLinearLayer.get_weight_norm`) the
 *    merged weight is m ⊙ (W + ΔW) / ‖W + ΔW‖, the norm taken over each output row of the `[out, in]`
 *    weight and m the stored `lora_magnitude_vector` (one value per output row).
 * Products are accumulated in float64 and rounded to float32 once, so ΔW is exact to float32 rounding
 * whatever the rank. Rows `r0…r1` of ΔW need rows `r0…r1` of B and all of A (untransposed), or
 * columns `r0…r1` of A and all of B (transposed); A and B are small (`r` × the layer's width).
 */
import type { TensorEntry } from '../../model/types';
import { ModelFileError } from '../modelFileError';
import type { PartReader, PartReadOptions, QuantDecoder } from './types';

/** What a LoRA entry's `quant.params` hold (both schemes). */
export interface LoraParams {
  /** `lora_alpha / r`, or `lora_alpha / √r` with rsLoRA (`LoraLayer.update_layer`). */
  scaling: number;
  rank: number;
  alpha: number;
  /** ΔW is (B·A)ᵀ: fan_in_fan_out (GPT-2 Conv1D bases) and embedding LoRA. */
  transpose: boolean;
  /** Set when the factors disagree (rank of A vs B, or with adapter_config.json): every read throws it. */
  error?: string;
  /** `lora-merged` with DoRA: the magnitude vector is part `parts[3]`. */
  dora?: boolean;
}

function paramsOf(entry: TensorEntry): LoraParams {
  const p = entry.quant!.params as unknown as LoraParams;
  if (typeof p.error === 'string') throw new ModelFileError(p.error, entry.quant!.parts[0]?.file);
  return p;
}

/** The stored rows `[row0, row1)` that cover elements `[first, first+count)` of a `[rows, cols]` matrix. */
function rowSpan(first: number, count: number, cols: number): [number, number] {
  if (count === 0) return [0, 0];
  return [Math.floor(first / cols), Math.floor((first + count - 1) / cols) + 1];
}

/**
 * Rows `[row0, row1)` of ΔW = scaling · transpose?(B·A), as float64, row-major with `cols` columns.
 * `a` is A `[r, q]`, `b` is B `[p, r]`.
 */
async function deltaRows(
  entry: TensorEntry,
  row0: number,
  row1: number,
  opts: PartReadOptions,
  read: PartReader,
): Promise<{ rows: Float64Array; cols: number }> {
  const p = paramsOf(entry);
  const [A, B] = entry.quant!.parts;
  const r = A.shape[0];
  const q = A.shape[1];
  const pOut = B.shape[0];
  const n = row1 - row0;
  if (!p.transpose) {
    // ΔW[i, j] = s · Σ_k B[i, k] · A[k, j], i in [row0, row1): rows of B, all of A.
    const a = await read.elementsF32(A, 0, r * q, opts);
    const b = await read.elementsF32(B, row0 * r, n * r, opts);
    const out = new Float64Array(n * q);
    for (let i = 0; i < n; i++) {
      const o = i * q;
      for (let k = 0; k < r; k++) {
        const bik = b[i * r + k];
        if (bik === 0) continue;
        const ak = k * q;
        for (let j = 0; j < q; j++) out[o + j] += bik * a[ak + j];
      }
    }
    for (let x = 0; x < out.length; x++) out[x] *= p.scaling;
    return { rows: out, cols: q };
  }
  // ΔW[i, j] = s · Σ_k A[k, i] · B[j, k], i in [row0, row1): columns of A, all of B.
  const a = await read.elementsF32(A, 0, r * q, opts);
  const b = await read.elementsF32(B, 0, pOut * r, opts);
  const out = new Float64Array(n * pOut);
  const col = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < r; k++) col[k] = a[k * q + row0 + i];
    const o = i * pOut;
    for (let j = 0; j < pOut; j++) {
      let s = 0;
      const bj = j * r;
      for (let k = 0; k < r; k++) s += col[k] * b[bj + k];
      out[o + j] = s * p.scaling;
    }
  }
  return { rows: out, cols: pOut };
}

function checkShape(entry: TensorEntry, cols: number): void {
  if (entry.shape.length !== 2 || entry.shape[1] !== cols)
    throw new Error(`LoRA weight '${entry.name}' has shape [${entry.shape.join(', ')}] but its factors give ${cols} columns`);
}

/** Elements `[first, first+count)` of the rows computed for `[row0, …)`, rounded to float32 (into `into` when given). */
function pick(rows: Float64Array, cols: number, row0: number, first: number, count: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(count);
  const offset = first - row0 * cols;
  for (let x = 0; x < count; x++) out[x] = rows[offset + x];
  return out;
}

/** `lora`: ΔW alone. Parts: A, B. */
export const decodeLoraDelta: QuantDecoder = async (entry, first, count, opts, read, into) => {
  const cols = entry.shape[1];
  const [row0, row1] = rowSpan(first, count, cols);
  if (count === 0) return into ?? new Float32Array(0);
  const d = await deltaRows(entry, row0, row1, opts, read);
  checkShape(entry, d.cols);
  return pick(d.rows, cols, row0, first, count, into);
};

/** `lora-merged`: W + ΔW (DoRA: rescaled per output row). Parts: W, A, B (, magnitude). */
export const decodeLoraMerged: QuantDecoder = async (entry, first, count, opts, read, into) => {
  const cols = entry.shape[1];
  if (count === 0) return into ?? new Float32Array(0);
  const [row0, row1] = rowSpan(first, count, cols);
  const [W, A, B, M] = entry.quant!.parts;
  const p = paramsOf(entry);
  const deltaEntry: TensorEntry = { ...entry, quant: { ...entry.quant!, parts: [A, B] } };
  const d = await deltaRows(deltaEntry, row0, row1, opts, read);
  checkShape(entry, d.cols);
  const w = await read.elementsF32(W, row0 * cols, (row1 - row0) * cols, opts);
  const sum = d.rows;
  for (let x = 0; x < sum.length; x++) sum[x] += w[x];
  if (p.dora) {
    // DoRA: each output row of W + ΔW scaled to its learned magnitude m[i] (the row's L2 norm is the
    // "column-wise" norm of get_weight_norm, dim=1 of the [out, in] weight).
    const m = await read.elementsF32(M, row0, row1 - row0, opts);
    for (let i = 0; i < row1 - row0; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += sum[i * cols + j] * sum[i * cols + j];
      const factor = m[i] / Math.sqrt(s);
      for (let j = 0; j < cols; j++) sum[i * cols + j] *= factor;
    }
  }
  return pick(sum, cols, row0, first, count, into);
};
