/**
 * Where the executor gets its weights. From a model on disk it reads exactly the rows it needs
 * (a few embedding rows, one vocabulary chunk of lm_head, one layer's matrices) straight from the
 * safetensors bytes, so memory stays at one layer's worth even when embeddings are gigabytes. The
 * in-memory source serves the training script, which owns its weights.
 */
import type { ModelHandle, TensorEntry } from '../types';
import { readElementsF32 } from '../../io/tensorReader';
import { isFloatDType } from '../../io/dtypes';

export interface WeightSource {
  has(name: string): boolean;
  shape(name: string): number[];
  /** The whole tensor, row-major (float32 from files; in-memory sources may hold float64). */
  read(name: string): Promise<Float32Array | Float64Array>;
  /** Rows r0..r1 (exclusive) of a tensor whose first axis is rows. */
  readRows(name: string, r0: number, r1: number): Promise<Float32Array | Float64Array>;
}

/** Rows r0..r1 of a tensor whose first axis is rows, decoded to float32 by the I/O layer (any float dtype). */
function readEntryRows(entry: TensorEntry, r0: number, r1: number): Promise<Float32Array> {
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0];
  if (r0 < 0 || r1 > rows || r0 > r1) throw new Error(`${entry.name}: rows ${r0}..${r1} are outside 0..${rows}`);
  if (!isFloatDType(entry.dtype)) throw new Error(`${entry.name} holds ${entry.dtype} values: only floating-point weights can be run`);
  const rowElems = entry.shape.slice(1).reduce((a, b) => a * b, 1);
  return readElementsF32(entry, r0 * rowElems, (r1 - r0) * rowElems);
}

export function fileWeightSource(model: ModelHandle): WeightSource {
  const entry = (name: string): TensorEntry => {
    const e = model.tensors.get(name);
    if (!e) throw new Error(`${model.path}: tensor "${name}" is missing, so the model cannot run`);
    return e;
  };
  return {
    has: (name) => model.tensors.has(name),
    shape: (name) => entry(name).shape,
    read: (name) => {
      const e = entry(name);
      return readEntryRows(e, 0, e.shape.length === 0 ? 1 : e.shape[0]);
    },
    readRows: (name, r0, r1) => readEntryRows(entry(name), r0, r1),
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
