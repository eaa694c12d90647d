/**
 * Reverse-mode autodiff that emits the backward pass as ordinary ONNX nodes in the same graph
 * (onnxruntime has no gradient ops and no training API). Every op called on a Tape is emitted
 * into a GraphBuilder and recorded; `grad(y, wrt)` walks the record backwards and emits each op's
 * gradient rule (rules.ts), so one session computes the forward and the backward together.
 *
 *   const t = new Tape('mlp', 'float64');
 *   const x = t.input('x', ['batch', 3]);
 *   const w1 = t.input('w1', [3, 4]), b1 = t.input('b1', [4]);
 *   const h = t.silu(t.add(t.matmul(x, w1), b1));
 *   const loss = t.reduceMean(t.mul(h, h));            // all axes → scalar
 *   const [dw1, db1] = t.grad(loss, [w1, b1]);         // emits backward nodes, returns their values
 *   t.output(loss, 'loss'); t.output(dw1, 'dw1'); t.output(db1, 'db1');
 *   const bytes = t.toBytes();                         // → engine.run(signature, () => bytes, feeds)
 *
 * Values carry a dtype and static dims (numbers or symbolic names); dims only decide which axes a
 * broadcast operand must be summed over (a dim broadcasts only if it is the literal 1; see
 * shapes.ts). Numbers are accepted wherever a tensor operand is (a scalar of the other operand's
 * dtype). `grad` takes an optional seed (the upstream gradient, same shape as y) for vector-Jacobian
 * products; without one, y is seeded with ones. Ops that must not be differentiated (index
 * arithmetic, masks) go through `nondiff`, which acts as a stop-gradient. Each rule is checked
 * against central finite differences in float64 (test/unit/analysis/engine/autodiff*.test.ts).
 * Limits: Slice backward needs step 1; Gather backward needs non-negative indices.
 */
import { GraphBuilder, onnxType, type AttrValue, type Dim, type DType, type GraphOptions } from '../graph';
import { backwardRule, BackwardEmitter } from './rules';
import { broadcastDims, concatDims, describe, matmulDims, normaliseAxis, reduceDims, reshapeDims, sliceDims } from './shapes';

export interface Value {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly Dim[];
}

export type Operand = Value | number;

export type OpKind =
  | 'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Pow'
  | 'Neg'
  | 'Exp'
  | 'Log'
  | 'Sqrt'
  | 'Sigmoid'
  | 'Tanh'
  | 'Erf'
  | 'Relu'
  | 'MatMul'
  | 'Gemm'
  | 'ReduceSum'
  | 'ReduceMean'
  | 'ReduceMax'
  | 'Softmax'
  | 'LogSoftmax'
  | 'Gather'
  | 'GatherElements'
  | 'Reshape'
  | 'Transpose'
  | 'Slice'
  | 'Concat'
  | 'Expand'
  | 'Where'
  | 'Cast';

/** One recorded op: what the backward rule needs to know. */
export interface Entry {
  kind: OpKind;
  inputs: Value[];
  output: Value;
  /** Rule parameters: axes, perm, keepdims, Gemm flags, Slice bounds… (normalised). */
  params: Record<string, number | boolean | number[] | string | undefined>;
}

const FLOATS = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);
export function isFloat(dtype: DType): boolean {
  return FLOATS.has(dtype);
}

export class Tape {
  readonly g: GraphBuilder;
  private readonly entries: Entry[] = [];

  constructor(
    name: string,
    readonly dtype: DType = 'float32',
    opts: GraphOptions = {},
  ) {
    this.g = new GraphBuilder(name, opts);
  }

  input(name: string, dims: readonly Dim[], dtype: DType = this.dtype): Value {
    return { name: this.g.input(name, dtype, dims), dtype, dims: [...dims] };
  }

  /** A constant tensor (numbers converted to the dtype). */
  constant(values: ArrayLike<number>, dims: readonly number[], dtype: DType = this.dtype): Value {
    const data =
      dtype === 'float64'
        ? Float64Array.from(values)
        : dtype === 'float32'
          ? Float32Array.from(values)
          : dtype === 'int64'
            ? BigInt64Array.from(Array.from(values), (v) => BigInt(v))
            : undefined;
    if (!data) throw new Error(`tape constants of dtype ${dtype} are not supported`);
    return { name: this.g.constant(data, dtype, dims), dtype, dims: [...dims] };
  }

  scalar(value: number, dtype: DType = this.dtype): Value {
    return { name: this.g.scalar(value, dtype), dtype, dims: [] };
  }

  output(v: Value, name: string): string {
    return this.g.output(v.name, v.dtype, {
      as: name,
      dims: v.dims.map((d) => (typeof d === 'string' && d.startsWith('?') ? `out_${name}_${d.slice(1)}` : d)),
    });
  }

  toBytes(): Uint8Array {
    return this.g.toBytes();
  }

  private record(
    kind: OpKind,
    inputs: Value[],
    onnxInputs: string[],
    attrs: Record<string, AttrValue>,
    dims: Dim[],
    dtype: DType,
    params: Entry['params'] = {},
    onnxOp: string = kind,
  ): Value {
    const name = this.g.op(onnxOp, onnxInputs, attrs);
    const output: Value = { name, dtype, dims };
    this.entries.push({ kind, inputs, output, params });
    return output;
  }

  private operands(what: string, a: Operand, b: Operand): [Value, Value] {
    const dtype = typeof a === 'number' ? (typeof b === 'number' ? this.dtype : b.dtype) : a.dtype;
    const va = typeof a === 'number' ? this.scalar(a, dtype) : a;
    const vb = typeof b === 'number' ? this.scalar(b, dtype) : b;
    if (va.dtype !== vb.dtype) throw new Error(`${what}: operands have different dtypes (${va.dtype} and ${vb.dtype}); cast one`);
    return [va, vb];
  }

  private binary(kind: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow', a: Operand, b: Operand): Value {
    const [va, vb] = this.operands(kind, a, b);
    return this.record(kind, [va, vb], [va.name, vb.name], {}, broadcastDims(kind, va.dims, vb.dims), va.dtype);
  }

  add(a: Operand, b: Operand): Value {
    return this.binary('Add', a, b);
  }
  sub(a: Operand, b: Operand): Value {
    return this.binary('Sub', a, b);
  }
  mul(a: Operand, b: Operand): Value {
    return this.binary('Mul', a, b);
  }
  div(a: Operand, b: Operand): Value {
    return this.binary('Div', a, b);
  }
  pow(a: Operand, b: Operand): Value {
    return this.binary('Pow', a, b);
  }

  private unary(kind: 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Sigmoid' | 'Tanh' | 'Erf' | 'Relu', x: Value): Value {
    return this.record(kind, [x], [x.name], {}, [...x.dims], x.dtype);
  }

  neg(x: Value): Value {
    return this.unary('Neg', x);
  }
  exp(x: Value): Value {
    return this.unary('Exp', x);
  }
  log(x: Value): Value {
    return this.unary('Log', x);
  }
  sqrt(x: Value): Value {
    return this.unary('Sqrt', x);
  }
  sigmoid(x: Value): Value {
    return this.unary('Sigmoid', x);
  }
  tanh(x: Value): Value {
    return this.unary('Tanh', x);
  }
  erf(x: Value): Value {
    return this.unary('Erf', x);
  }
  relu(x: Value): Value {
    return this.unary('Relu', x);
  }
  /** SiLU(x) = x·σ(x), built from recorded ops so its gradient follows from theirs. */
  silu(x: Value): Value {
    return this.mul(x, this.sigmoid(x));
  }

  /** Batched matrix product (numpy matmul semantics, both ranks ≥ 2). */
  matmul(a: Value, b: Value): Value {
    this.operands('matmul', a, b);
    return this.record('MatMul', [a, b], [a.name, b.name], {}, matmulDims(a.dims, b.dims), a.dtype);
  }

  /** ONNX Gemm on matrices: alpha·op(a)·op(b) + beta·c (c broadcast to the result). */
  gemm(a: Value, b: Value, c?: Value, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
    if (a.dims.length !== 2 || b.dims.length !== 2) throw new Error(`gemm: operands must be matrices (got ${describe(a.dims)} and ${describe(b.dims)})`);
    const transA = !!opts.transA,
      transB = !!opts.transB,
      alpha = opts.alpha ?? 1,
      beta = opts.beta ?? 1;
    const m = transA ? a.dims[1] : a.dims[0],
      n = transB ? b.dims[0] : b.dims[1];
    const k1 = transA ? a.dims[0] : a.dims[1],
      k2 = transB ? b.dims[1] : b.dims[0];
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new Error(`gemm: inner dimensions differ (${k1} and ${k2})`);
    const inputs = c ? [a, b, c] : [a, b];
    const attrs: Record<string, AttrValue> = { transA: +transA, transB: +transB, alpha: { float: alpha }, beta: { float: beta } };
    const dims = c ? broadcastDims('gemm', [m, n], c.dims) : [m, n];
    return this.record(
      'Gemm',
      inputs,
      inputs.map((v) => v.name),
      attrs,
      dims,
      a.dtype,
      { transA, transB, alpha, beta },
    );
  }

  private reduce(kind: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: Value, axes: readonly number[] | undefined, keepdims: boolean): Value {
    const rank = x.dims.length;
    const ax = axes === undefined ? [...Array(rank).keys()] : [...new Set(axes.map((a) => normaliseAxis(a, rank, kind)))].sort((p, q) => p - q);
    const inputs = [x.name, this.g.int64s(ax)];
    return this.record(kind, [x], inputs, { keepdims: +keepdims }, reduceDims(x.dims, ax, keepdims), x.dtype, { axes: ax, keepdims });
  }

  /** Sum over `axes` (all axes when omitted); keepdims defaults to false. */
  reduceSum(x: Value, axes?: readonly number[], keepdims = false): Value {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }
  reduceMean(x: Value, axes?: readonly number[], keepdims = false): Value {
    return this.reduce('ReduceMean', x, axes, keepdims);
  }
  /** Maximum; the gradient is shared equally between tied maxima. */
  reduceMax(x: Value, axes?: readonly number[], keepdims = false): Value {
    return this.reduce('ReduceMax', x, axes, keepdims);
  }

  softmax(x: Value, axis = -1): Value {
    const a = normaliseAxis(axis, x.dims.length, 'softmax');
    return this.record('Softmax', [x], [x.name], { axis: a }, [...x.dims], x.dtype, { axis: a });
  }

  logSoftmax(x: Value, axis = -1): Value {
    const a = normaliseAxis(axis, x.dims.length, 'logSoftmax');
    return this.record('LogSoftmax', [x], [x.name], { axis: a }, [...x.dims], x.dtype, { axis: a });
  }

  /** ONNX Gather: rows (or slices along `axis`) of x picked by integer indices (e.g. embeddings). */
  gather(x: Value, indices: Value, axis = 0): Value {
    const a = normaliseAxis(axis, x.dims.length, 'gather');
    const dims = [...x.dims.slice(0, a), ...indices.dims, ...x.dims.slice(a + 1)];
    return this.record('Gather', [x, indices], [x.name, indices.name], { axis: a }, dims, x.dtype, { axis: a });
  }

  /** ONNX GatherElements: out[i][j] = x[indices[i][j]][j] (axis 0), e.g. picking target log-probs. */
  gatherElements(x: Value, indices: Value, axis = -1): Value {
    const a = normaliseAxis(axis, x.dims.length, 'gatherElements');
    return this.record('GatherElements', [x, indices], [x.name, indices.name], { axis: a }, [...indices.dims], x.dtype, { axis: a });
  }

  /** ONNX Reshape (0 copies the input dim, -1 is inferred). */
  reshape(x: Value, shape: readonly number[]): Value {
    return this.record('Reshape', [x], [x.name, this.g.int64s(shape)], {}, reshapeDims(x.dims, shape), x.dtype);
  }

  /** Inserts size-1 axes (positions in the result); its gradient is a reshape back. */
  unsqueeze(x: Value, axes: readonly number[]): Value {
    const rank = x.dims.length + axes.length;
    const ax = axes.map((a) => normaliseAxis(a, rank, 'unsqueeze'));
    const dims: Dim[] = [];
    for (let i = 0, j = 0; i < rank; i++) dims.push(ax.includes(i) ? 1 : x.dims[j++]);
    return this.record('Reshape', [x], [x.name, this.g.int64s(ax)], {}, dims, x.dtype, {}, 'Unsqueeze');
  }

  /** Removes size-1 axes; its gradient is a reshape back. */
  squeeze(x: Value, axes: readonly number[]): Value {
    const ax = axes.map((a) => normaliseAxis(a, x.dims.length, 'squeeze'));
    for (const a of ax) if (x.dims[a] !== 1) throw new Error(`squeeze: axis ${a} of ${describe(x.dims)} is not a literal 1`);
    const dims = x.dims.filter((_, i) => !ax.includes(i));
    return this.record('Reshape', [x], [x.name, this.g.int64s(ax)], {}, dims, x.dtype, {}, 'Squeeze');
  }

  transpose(x: Value, perm: readonly number[]): Value {
    const rank = x.dims.length;
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank))
      throw new Error(`transpose: ${describe(perm)} is not a permutation of ${rank} axes`);
    return this.record(
      'Transpose',
      [x],
      [x.name],
      { perm: [...perm] },
      perm.map((p) => x.dims[p]),
      x.dtype,
      { perm: [...perm] },
    );
  }

  /** ONNX Slice with step 1 along `axes` (default: the first starts.length axes). */
  slice(x: Value, starts: readonly number[], ends: readonly number[], axes?: readonly number[]): Value {
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normaliseAxis(a, x.dims.length, 'slice'));
    if (starts.length !== ends.length || starts.length !== ax.length) throw new Error('slice: starts, ends and axes must have the same length');
    const inputs = [x.name, this.g.int64s(starts), this.g.int64s(ends), this.g.int64s(ax)];
    return this.record('Slice', [x], inputs, {}, sliceDims(x.dims, starts, ends, ax), x.dtype, { starts: [...starts], ends: [...ends], axes: ax });
  }

  concat(xs: readonly Value[], axis: number): Value {
    if (xs.length === 0) throw new Error('concat: needs at least one tensor');
    const a = normaliseAxis(axis, xs[0].dims.length, 'concat');
    return this.record(
      'Concat',
      [...xs],
      xs.map((v) => v.name),
      { axis: a },
      concatDims(
        xs.map((v) => v.dims),
        a,
      ),
      xs[0].dtype,
      { axis: a },
    );
  }

  /** Broadcast x to `dims` (numbers) or to the shape of another value. */
  expand(x: Value, to: readonly number[] | Value): Value {
    const [shape, dims] = Array.isArray(to) ? [this.g.int64s(to as number[]), to as number[]] : [this.g.op('Shape', [(to as Value).name]), (to as Value).dims];
    return this.record('Expand', [x], [x.name, shape], {}, broadcastDims('expand', x.dims, dims), x.dtype);
  }

  /** Elementwise choice: cond ? a : b (cond is a bool tensor, not differentiated). */
  where(cond: Value, a: Operand, b: Operand): Value {
    const [va, vb] = this.operands('where', a, b);
    if (cond.dtype !== 'bool') throw new Error(`where: the condition must be bool, got ${cond.dtype}`);
    return this.record('Where', [cond, va, vb], [cond.name, va.name, vb.name], {}, broadcastDims('where', cond.dims, va.dims, vb.dims), va.dtype);
  }

  cast(x: Value, to: DType): Value {
    return this.record('Cast', [x], [x.name], { to: onnxType(to) }, [...x.dims], to);
  }

  /**
   * Any other ONNX op, recorded as a constant for differentiation (a stop-gradient): masks,
   * position ids, shape arithmetic, comparisons.
   */
  nondiff(op: string, inputs: readonly Operand[], attrs: Record<string, AttrValue>, out: { dtype: DType; dims: readonly Dim[] }): Value {
    const names = inputs.map((v) => (typeof v === 'number' ? this.scalar(v).name : v.name));
    return { name: this.g.op(op, names, attrs), dtype: out.dtype, dims: [...out.dims] };
  }

  /**
   * Emits the gradient of y (seeded with `seed`, default ones) with respect to each of `wrt`, and
   * returns those gradient values (same shapes as `wrt`; zeros where y does not depend on one).
   */
  grad(y: Value, wrt: readonly Value[], seed?: Value): Value[] {
    if (!isFloat(y.dtype)) throw new Error(`grad: y must be floating point, got ${y.dtype}`);
    const depends = new Set(wrt.map((w) => w.name));
    for (const e of this.entries) if (e.inputs.some((v) => depends.has(v.name))) depends.add(e.output.name);
    const em = new BackwardEmitter(this.g);
    const contributions = new Map<string, string[]>();
    const add = (name: string, grad: string) => {
      const list = contributions.get(name);
      if (list) list.push(grad);
      else contributions.set(name, [grad]);
    };
    add(y.name, seed ? seed.name : em.onesLike(y));
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      const gy = contributions.get(e.output.name);
      if (!gy || !depends.has(e.output.name)) continue;
      const grads = backwardRule(em, e, em.sum(gy), (k) => depends.has(e.inputs[k].name) && isFloat(e.inputs[k].dtype));
      e.inputs.forEach((v, k) => {
        const gk = grads[k];
        if (gk !== undefined && depends.has(v.name) && isFloat(v.dtype)) add(v.name, gk);
      });
    }
    return wrt.map((w) => {
      const list = contributions.get(w.name);
      return { name: list ? em.sum(list) : em.zerosLike(w), dtype: w.dtype, dims: w.dims };
    });
  }
}
