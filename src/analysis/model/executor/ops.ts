/**
 * The handful of tensor operations a decoder block is written in. The block builders only speak
 * this interface, so the same description becomes a forward ONNX graph, or a forward + backward
 * graph through an autodiff tape, without being written twice.
 *
 * Shapes follow ONNX/numpy broadcasting. `reshape` takes ONNX Reshape semantics (0 copies the input
 * dimension at that index, −1 is inferred), which lets graphs keep batch and sequence length
 * symbolic.
 */
export type ElemType = 'float32' | 'float64';

export interface BlockOps<V> {
  readonly elemType: ElemType;
  /** A graph input; dims may be strings for symbolic sizes ('B', 'T'). */
  input(name: string, dims: Array<number | string>): V;
  /** A constant tensor (float data in the graph's element type). */
  constant(values: number[], dims: number[]): V;
  matmul(a: V, b: V): V;
  transpose(a: V, perm: number[]): V;
  reshape(a: V, shape: number[]): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  div(a: V, b: V): V;
  sqrt(a: V): V;
  sigmoid(a: V): V;
  tanh(a: V): V;
  /** Gauss error function (float32 graphs only: onnxruntime has no float64 Erf kernel). */
  erf(a: V): V;
  /** Mean over the last axis, keeping it (size 1). */
  meanLastAxis(a: V): V;
  softmaxLastAxis(a: V): V;
  output(name: string, v: V): void;
}
