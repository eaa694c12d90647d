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
