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

/** A weight input of a block graph: its canonical key and dims in storage layout. */
export interface LayerWeight {
  key: string;
  dims: number[];
}

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
  exp(a: V): V;
  relu(a: V): V;
  /** Gauss error function (float32 graphs only: onnxruntime has no float64 Erf kernel). */
  erf(a: V): V;
  /** Mean over the last axis, keeping it (size 1). */
  meanLastAxis(a: V): V;
  softmaxLastAxis(a: V): V;
  /** Entries start…end − 1 of the last axis. */
  sliceLastAxis(a: V, start: number, end: number): V;
  /** Maximum over the last axis, keeping it (size 1). */
  maxLastAxis(a: V): V;
  /** Sum over one axis, dropping it. */
  sumAxis(a: V, axis: number): V;
  /**
   * 1 at the k largest entries along the last axis, 0 elsewhere; a constant for differentiation
   * (the routing choice of a mixture of experts). Equal values: the lower index is taken first.
   */
  topKMask(a: V, k: number): V;
  /**
   * DeepSeek's group filter, a constant for differentiation: the last axis (E values) split into
   * `groups` groups of E / groups, each scored by the sum of its `best` largest values (V3: 2, V2:
   * 1, the maximum); 1 on the entries of the `keep` best groups, 0 elsewhere.
   */
  groupTopKMask(a: V, groups: number, keep: number, best: number): V;
  /**
   * Optional: a linear layer x·wᵀ + bias (`outIn`, w [out, in]) or x·w + bias (w [in, out]) of a
   * [B, T, in] input, computed so that neither w nor its gradient is ever transposed or copied.
   * Without it the block builders use matmul(x, transpose(w)).
   */
  linear?(x: V, w: V, bias: V | undefined, outIn: boolean): V;
  output(name: string, v: V): void;
}
