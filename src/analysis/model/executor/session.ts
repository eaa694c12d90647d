/**
 * onnxruntime sessions for the executor's graphs, and tensors for their feeds. The CPU provider
 * is used because the graphs are small per call and float64 graphs (used to check gradients)
 * only run there.
 */
import * as ort from 'onnxruntime-node';
import type { ElemType } from './ops';
import { sessionOptions } from '../../engine/providers';

export type FloatArray = Float32Array | Float64Array;

export interface SessionOptions {
  /** Intra-op threads; defaults to 2 (this project's reference machine has 2 cores). */
  threads?: number;
}

export async function createSession(bytes: Uint8Array, elem: ElemType, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    ...sessionOptions('cpu', opts.threads ?? 2),
    // Extended fusions rewrite x·σ(x) into com.microsoft ops that have float32 kernels only.
    graphOptimizationLevel: elem === 'float64' ? 'basic' : 'all',
  });
}

export function tensor(elem: ElemType, data: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (elem === 'float64') return new ort.Tensor('float64', data instanceof Float64Array ? data : Float64Array.from(data), dims);
  return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

export function dataOf(t: ort.Tensor): FloatArray {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  throw new Error(`internal: expected a float tensor, got ${t.type}`);
}

export type { ort };
