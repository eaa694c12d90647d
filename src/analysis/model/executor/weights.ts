/**
 * Where the executor gets its weights. From a model on disk it reads exactly the rows it needs
 * (a few embedding rows, one vocabulary chunk of lm_head, one layer's matrices) straight from the
 * safetensors bytes, so memory stays at one layer's worth even when embeddings are gigabytes. The
 * in-memory source serves the training script, which owns its weights.
 */
import type { ExpertRole, MatrixKind, ModelHandle, RoleMatrixRef, TensorEntry } from '../types';
import { readElementsF32 } from '../../io/tensorReader';
import { isFloatDType, type DType } from '../../io/dtypes';
import { matrixRef, readMatrix } from '../readRole';
import { ggufHfWeights } from '../gguf/ggufWeightSource';

/** One matrix of a mixture-of-experts layer: the router, the shared-expert gate, or gate/up/down of an expert. */
export type MoeMatrix = { kind: 'router' } | { kind: 'shared_gate' } | { kind: ExpertRole; expert: number | 'shared' };

export interface WeightSource {
  has(name: string): boolean;
  shape(name: string): number[];
  /** The whole tensor, row-major (float32 from files; in-memory sources may hold float64). */
  read(name: string): Promise<Float32Array | Float64Array>;
  /** Rows r0..r1 (exclusive) of a tensor whose first axis is rows. */
  readRows(name: string, r0: number, r1: number): Promise<Float32Array | Float64Array>;
  /**
   * A mixture-of-experts matrix of layer `layer`, `[out, in]` row-major, whatever its storage (one
   * tensor per expert, all experts in one fused tensor, quantized blocks). Sources without it are
   * read by the per-expert tensor names of moeWeights.ts.
   */
  moeMatrix?(layer: number, which: MoeMatrix): Promise<Float32Array>;
  /**
   * Optional: reads elements `first … first + dest.length` of the tensor (row-major) into `dest` as
   * float32 and returns true, or returns false where this tensor cannot be read that way (then use
   * read() or readRows()).
   */
  readInto?(name: string, dest: Float32Array, first?: number): Promise<boolean>;
}

/** A MoE matrix through the model's role map (architectures/*.ts), which knows every layout the family is saved in. */
async function roleMapMoeMatrix(model: ModelHandle, layer: number, which: MoeMatrix): Promise<Float32Array> {
  const info = model.layers.find((l) => l.index === layer);
  if (!info?.moe) throw new Error(`${model.path}: layer ${layer} was not recognised as a mixture-of-experts layer, so its experts cannot be read`);
  if (which.kind === 'shared_gate') {
    const aux = info.moe.auxiliary.find((a) => a.role === 'shared_expert_gate');
    if (!aux) throw new Error(`${model.path}: layer ${layer} has no shared-expert gate tensor (mlp.shared_expert_gate.weight), which config.json implies`);
    const e = model.tensors.get(aux.tensor)!;
    return readEntryRows(e, 0, e.shape.length === 0 ? 1 : e.shape[0]);
  }
  if (which.kind === 'router') {
    const ref = info.extra?.router;
    if (!ref) throw new Error(`${model.path}: layer ${layer} has no router matrix, so tokens cannot be routed to its experts`);
    return (await readMatrix(model, ref)).data;
  }
  return (await readMatrix(model, matrixRef(model, layer, which.kind, which.expert))).data;
}

/** Rows r0..r1 of a tensor whose first axis is rows, decoded to float32 by the I/O layer (any float dtype). */
function readEntryRows(entry: TensorEntry, r0: number, r1: number): Promise<Float32Array> {
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0];
  if (r0 < 0 || r1 > rows || r0 > r1) throw new Error(`${entry.name}: rows ${r0}..${r1} are outside 0..${rows}`);
  if (!isFloatDType(entry.dtype)) throw new Error(`${entry.name} holds ${entry.dtype} values: only floating-point weights can be run`);
  const rowElems = entry.shape.slice(1).reduce((a, b) => a * b, 1);
  return readElementsF32(entry, r0 * rowElems, (r1 - r0) * rowElems);
}

/**
 * Whole stored matrices that need their block scales (FP8 checkpoints: `<name>_scale_inv` beside
 * each weight, DeepSeek-V3, Qwen3-FP8), by tensor name: the role map knows them, and readMatrix
 * applies the scales; the raw elements alone would be off by the scale of each block.
 */
function blockScaledMatrices(model: ModelHandle): Map<string, RoleMatrixRef<MatrixKind>> {
  const out = new Map<string, RoleMatrixRef<MatrixKind>>();
  for (const layer of model.layers) {
    for (const ref of [...Object.values(layer.roles), ...Object.values(layer.extra ?? {})]) {
      const s = ref?.source;
      if (ref && s?.blockScale && !s.transpose && !s.rows && !s.rowIndex && s.expert === undefined) out.set(s.tensor, ref);
    }
  }
  return out;
}

/** Stored dtypes read into a caller's buffer by readInto (plain floats, widened exactly to float32). */
const DIRECT_DTYPES: ReadonlySet<DType> = new Set<DType>(['F32', 'BF16', 'F16']);

export function fileWeightSource(model: ModelHandle): WeightSource {
  // A GGUF file serves the Hugging Face names through its role map (gguf/ggufWeightSource.ts).
  const gguf = ggufHfWeights(model);
  if (gguf) return { ...gguf, moeMatrix: model.layers.some((l) => l.moe) ? (layer, which) => roleMapMoeMatrix(model, layer, which) : undefined };
  let scaled: Map<string, RoleMatrixRef<MatrixKind>> | null = null;
  const entry = (name: string): TensorEntry => {
    const e = model.tensors.get(name);
    if (!e) throw new Error(`${model.path}: tensor "${name}" is missing, so the model cannot run`);
    return e;
  };
  return {
    has: (name) => model.tensors.has(name),
    shape: (name) => entry(name).shape,
    read: async (name) => {
      const e = entry(name);
      const ref = (scaled ??= blockScaledMatrices(model)).get(name);
      if (ref) return (await readMatrix(model, ref)).data;
      return readEntryRows(e, 0, e.shape.length === 0 ? 1 : e.shape[0]);
    },
    readRows: (name, r0, r1) => readEntryRows(entry(name), r0, r1),
    moeMatrix: model.layers.some((l) => l.moe) ? (layer, which) => roleMapMoeMatrix(model, layer, which) : undefined,
    readInto: async (name, dest, first = 0) => {
      const e = entry(name);
      if (e.quant || !DIRECT_DTYPES.has(e.dtype) || (scaled ??= blockScaledMatrices(model)).has(name)) return false;
      // Into memory the caller reuses: BF16 through the WebAssembly widening where it runs, other
      // dtypes through the same exact decoding as any read (range checked there).
      await readElementsF32(e, first, dest.length, {}, dest);
      return true;
    },
  };
}

export interface HostWeight {
  shape: number[];
  /** Float64 data lets gradient tests perturb weights finely; the executor converts to its precision. */
  data: Float32Array | Float64Array;
}

/** Weights held in memory (the training script's parameters, test fixtures); reads return views, not copies. */
export function memoryWeightSource(weights: Map<string, HostWeight>): WeightSource {
  const get = (name: string): HostWeight => {
    const w = weights.get(name);
    if (!w) throw new Error(`weight "${name}" is missing`);
    return w;
  };
  return {
    has: (name) => weights.has(name),
    shape: (name) => get(name).shape,
    read: async (name) => get(name).data,
    readRows: async (name, r0, r1) => {
      const w = get(name);
      const rowElems = w.shape.slice(1).reduce((a, b) => a * b, 1);
      return w.data.subarray(r0 * rowElems, r1 * rowElems);
    },
  };
}
