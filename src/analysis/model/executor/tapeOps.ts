/**
 * BlockOps on the engine's autodiff Tape: the block builders record their ops on a Tape, which
 * emits the forward nodes and, for backward graphs, the gradient nodes (Tape.grad) into the same
 * ONNX graph. Values are the tape's typed Values.
 */
import { Tape, type Value } from '../../engine/autodiff/index';
import type { BlockOps, ElemType } from './ops';

export class TapeOps implements BlockOps<Value> {
  readonly tape: Tape;
  /** Graph inputs by name, so that gradients can be asked for by input name. */
  readonly inputs = new Map<string, Value>();

  constructor(
    readonly elemType: ElemType,
    graphName: string,
  ) {
    this.tape = new Tape(graphName, elemType);
  }

  input(name: string, dims: Array<number | string>): Value {
    const v = this.tape.input(name, dims);
    this.inputs.set(name, v);
    return v;
  }
  constant(values: number[], dims: number[]): Value {
    return dims.length === 0 ? this.tape.scalar(values[0]) : this.tape.constant(values, dims);
  }
  matmul(a: Value, b: Value): Value {
    return this.tape.matmul(a, b);
  }
  transpose(a: Value, perm: number[]): Value {
    return this.tape.transpose(a, perm);
  }
  reshape(a: Value, shape: number[]): Value {
    return this.tape.reshape(a, shape);
  }
  add(a: Value, b: Value): Value {
    return this.tape.add(a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.tape.sub(a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.tape.mul(a, b);
  }
  div(a: Value, b: Value): Value {
    return this.tape.div(a, b);
  }
  sqrt(a: Value): Value {
    return this.tape.sqrt(a);
  }
  sigmoid(a: Value): Value {
    return this.tape.sigmoid(a);
  }
  tanh(a: Value): Value {
    return this.tape.tanh(a);
  }
  exp(a: Value): Value {
    return this.tape.exp(a);
  }
  relu(a: Value): Value {
    return this.tape.relu(a);
  }
  sliceLastAxis(a: Value, start: number, end: number): Value {
    return this.tape.slice(a, [start], [end], [-1]);
  }
  maxLastAxis(a: Value): Value {
    return this.tape.reduceMax(a, [-1], true);
  }
  erf(a: Value): Value {
    if (this.elemType === 'float64') throw new Error('exact GELU (erf) cannot run in float64: onnxruntime has no float64 Erf kernel');
    return this.tape.erf(a);
  }
  meanLastAxis(a: Value): Value {
    return this.tape.reduceMean(a, [-1], true);
  }
  softmaxLastAxis(a: Value): Value {
    return this.tape.softmax(a, -1);
  }
  sumAxis(a: Value, axis: number): Value {
    return this.tape.reduceSum(a, [axis], false);
  }
  topKMask(a: Value, k: number): Value {
    // ONNX TopK (largest, sorted) takes the lower index first among equal values; the indices
    // scatter ones into zeros of a's shape. Both are non-differentiable ops (stop-gradient).
    const g = this.tape.g;
    const [, indices] = g.node('TopK', [a.name, g.int64s([k])], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
    const zeros = g.op('Mul', [a.name, g.scalar(0, a.dtype)]);
    const ones = g.op('Expand', [g.scalar(1, a.dtype), g.op('Shape', [indices])]);
    const mask = g.op('ScatterElements', [zeros, indices, ones], { axis: -1 });
    return { name: mask, dtype: a.dtype, dims: [...a.dims] };
  }
  groupTopKMask(a: Value, groups: number, keep: number, best: number): Value {
    const g = this.tape.g;
    const E = a.dims[a.dims.length - 1];
    if (typeof E !== 'number') throw new Error('internal: the expert axis must have a known size');
    const grouped = g.op('Reshape', [a.name, g.int64s([0, 0, groups, E / groups])]);
    const [top] = g.node('TopK', [grouped, g.int64s([best])], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
    const score = g.op('ReduceSum', [top, g.int64s([-1])], { keepdims: 0 }); // [B, T, groups]
    const [, kept] = g.node('TopK', [score, g.int64s([keep])], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
    const zeros = g.op('Mul', [score, g.scalar(0, a.dtype)]);
    const ones = g.op('Expand', [g.scalar(1, a.dtype), g.op('Shape', [kept])]);
    const groupMask = g.op('ScatterElements', [zeros, kept, ones], { axis: -1 }); // [B, T, groups]
    const expanded = g.op('Expand', [g.op('Unsqueeze', [groupMask, g.int64s([-1])]), g.op('Shape', [grouped])]); // [B, T, groups, E / groups]
    return { name: g.op('Reshape', [expanded, g.int64s([0, 0, E])]), dtype: a.dtype, dims: [...a.dims] };
  }
  output(name: string, v: Value): void {
    this.tape.output(v, name);
  }

  /**
   * Emits the backward of `y` seeded by a new graph input `seedName` (∂L/∂y, shaped like y) and adds
   * a graph output `grad_<name>` for each input named in `wrt` (inputs absent from this graph are skipped).
   */
  backward(y: Value, seedName: string, wrt: readonly string[]): void {
    const seed = this.tape.input(seedName, y.dims);
    const present = wrt.filter((n) => this.inputs.has(n));
    const grads = this.tape.grad(
      y,
      present.map((n) => this.inputs.get(n)!),
      seed,
    );
    present.forEach((n, i) => this.tape.output(grads[i], `grad_${n}`));
  }

  toBytes(): Uint8Array {
    return this.tape.toBytes();
  }
}

/**
 * TapeOps whose linear layers are one 2-D Gemm each (the batch size is baked into the graph so
 * that the [B·T, out] product can be reshaped back to [B, T, out] with T left symbolic).
 *
 * Written as matmul(x, transpose(w)) on [B, T, in], onnxruntime fuses the forward transpose into
 * FusedMatMul, but the backward is not: the weight gradient comes out as a batched [B, in, out]
 * product, is summed over the batch axis (ReduceSum, a full copy even for B = 1) and transposed
 * back to [out, in] (another full copy), and the recomputed forward's transpose is materialised
 * for the input gradient. At Llama-3.2-1B shapes those copies took 0.87 s of a 2.24 s layer
 * backward. Gemm's backward (autodiff/rules.ts, Gemm) is two more Gemms with transpose flags:
 * ∂w = gᵀ·x straight into [out, in], ∂x = g·w, and no copy of any weight-sized tensor.
 */
export class GemmTapeOps extends TapeOps {
  constructor(
    elemType: ElemType,
    graphName: string,
    readonly batch: number,
  ) {
    super(elemType, graphName);
  }

  linear(x: Value, w: Value, bias: Value | undefined, outIn: boolean): Value {
    const [inDim, outDim] = outIn ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
    if (typeof inDim !== 'number' || typeof outDim !== 'number' || x.dims.length !== 3) {
      throw new Error(`internal: a linear layer needs a [B, T, in] input and a matrix of known size (got ${x.dims.join('×')} and ${w.dims.join('×')})`);
    }
    const flat = this.tape.reshape(x, [-1, inDim]);
    const product = this.tape.gemm(flat, w, bias, { transB: outIn });
    return this.tape.reshape(product, [this.batch, -1, outDim]);
  }
}
