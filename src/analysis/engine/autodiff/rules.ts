/**
 * Backward rules: for one recorded op and the gradient of its output, emit ONNX nodes computing
 * the gradient of each input (undefined for inputs that are not differentiated). Broadcast
 * operands get their gradient summed back to their own shape (BackwardEmitter.sumTo).
 */
import { onnxType, type Dim, type DType, type GraphBuilder } from '../graph';
import { broadcastAxes } from './shapes';
import type { Entry, Value } from './tape';

export class BackwardEmitter {
  private readonly shapes = new Map<string, string>();

  constructor(readonly g: GraphBuilder) {}

  op(op: string, inputs: readonly string[], attrs: Parameters<GraphBuilder['op']>[2] = {}): string {
    return this.g.op(op, inputs, attrs);
  }

  /** Run-time shape of a value (one Shape node per value). */
  shape(v: Value): string {
    let s = this.shapes.get(v.name);
    if (!s) {
      s = this.g.op('Shape', [v.name]);
      this.shapes.set(v.name, s);
    }
    return s;
  }

  scalar(value: number, dtype: DType): string {
    return this.g.scalar(value, dtype);
  }

  /** The sum of gradient contributions. */
  sum(parts: readonly string[]): string {
    return parts.length === 1 ? parts[0] : this.g.op('Sum', parts);
  }

  onesLike(v: Value): string {
    const one = this.scalar(1, v.dtype);
    return v.dims.length === 0 ? one : this.g.op('Expand', [one, this.shape(v)]);
  }

  zerosLike(v: Value): string {
    const zero = this.scalar(0, v.dtype);
    return v.dims.length === 0 ? zero : this.g.op('Expand', [zero, this.shape(v)]);
  }

  /** Sums a gradient with static dims `gradDims` over the axes along which `target` was broadcast. */
  sumTo(grad: string, gradDims: readonly Dim[], target: Value): string {
    const axes = broadcastAxes(gradDims, target.dims);
    if (axes.length === 0 && gradDims.length === target.dims.length) return grad;
    const reduced = axes.length ? this.g.op('ReduceSum', [grad, this.g.int64s(axes)], { keepdims: 1 }) : grad;
    return this.g.op('Reshape', [reduced, this.shape(target)]);
  }
}

type Rule = (em: BackwardEmitter, e: Entry, gy: string, need: (k: number) => boolean) => (string | undefined)[];

/** Swap the last two axes (batched matrix transpose). */
function swapLast(em: BackwardEmitter, x: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return em.op('Transpose', [x], { perm });
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

const RULES: Record<Entry['kind'], Rule> = {
  Add: (em, e, g) => [em.sumTo(g, e.output.dims, e.inputs[0]), em.sumTo(g, e.output.dims, e.inputs[1])],
  Sub: (em, e, g) => [em.sumTo(g, e.output.dims, e.inputs[0]), em.sumTo(em.op('Neg', [g]), e.output.dims, e.inputs[1])],
  Mul: (em, e, g) => {
    const [a, b] = e.inputs;
    return [em.sumTo(em.op('Mul', [g, b.name]), e.output.dims, a), em.sumTo(em.op('Mul', [g, a.name]), e.output.dims, b)];
  },
  Div: (em, e, g, need) => {
    const [a, b] = e.inputs;
    const ga = em.op('Div', [g, b.name]);
    // d(a/b)/db = −a/b² = −(g/b)·(a/b)
    const gb = need(1) ? em.op('Neg', [em.op('Mul', [ga, e.output.name])]) : undefined;
    return [em.sumTo(ga, e.output.dims, a), gb && em.sumTo(gb, e.output.dims, b)];
  },
  Pow: (em, e, g, need) => {
    const [a, b] = e.inputs;
    const out = e.output.dims;
    const ga = need(0) ? em.op('Mul', [g, em.op('Mul', [b.name, em.op('Pow', [a.name, em.op('Sub', [b.name, em.scalar(1, b.dtype)])])])]) : undefined;
    const gb = need(1) ? em.op('Mul', [g, em.op('Mul', [e.output.name, em.op('Log', [a.name])])]) : undefined;
    return [ga && em.sumTo(ga, out, a), gb && em.sumTo(gb, out, b)];
  },
  Neg: (em, _e, g) => [em.op('Neg', [g])],
  Exp: (em, e, g) => [em.op('Mul', [g, e.output.name])],
  Log: (em, e, g) => [em.op('Div', [g, e.inputs[0].name])],
  Sqrt: (em, e, g) => [em.op('Div', [em.op('Mul', [g, em.scalar(0.5, e.output.dtype)]), e.output.name])],
  Sigmoid: (em, e, g) => {
    const y = e.output.name;
    return [em.op('Mul', [g, em.op('Mul', [y, em.op('Sub', [em.scalar(1, e.output.dtype), y])])])];
  },
  Tanh: (em, e, g) => {
    const y = e.output.name;
    return [em.op('Mul', [g, em.op('Sub', [em.scalar(1, e.output.dtype), em.op('Mul', [y, y])])])];
  },
  Erf: (em, e, g) => {
    const x = e.inputs[0].name,
      dt = e.output.dtype;
    const gauss = em.op('Exp', [em.op('Neg', [em.op('Mul', [x, x])])]);
    return [em.op('Mul', [g, em.op('Mul', [gauss, em.scalar(2 / Math.sqrt(Math.PI), dt)])])];
  },
  Relu: (em, e, g) => {
    const x = e.inputs[0];
    const positive = em.op('Cast', [em.op('Greater', [x.name, em.scalar(0, x.dtype)])], { to: onnxType(x.dtype) });
    return [em.op('Mul', [g, positive])];
  },
  MatMul: (em, e, g, need) => {
    const [a, b] = e.inputs;
    const batch = e.output.dims.slice(0, -2);
    const ga = need(0) ? em.sumTo(em.op('MatMul', [g, swapLast(em, b.name, b.dims.length)]), [...batch, ...a.dims.slice(-2)], a) : undefined;
    const gb = need(1) ? em.sumTo(em.op('MatMul', [swapLast(em, a.name, a.dims.length), g]), [...batch, ...b.dims.slice(-2)], b) : undefined;
    return [ga, gb];
  },
  Gemm: (em, e, g, need) => {
    const [a, b, c] = e.inputs;
    const { transA, transB, alpha, beta } = e.params as { transA: boolean; transB: boolean; alpha: number; beta: number };
    const f = (x: boolean) => +x;
    // Y = α·op(A)·op(B) + β·C; each case written so that no explicit transpose is materialised.
    const ga = !need(0)
      ? undefined
      : transA
        ? em.op('Gemm', [b.name, g], { transA: f(transB), transB: 1, alpha: { float: alpha } })
        : em.op('Gemm', [g, b.name], { transB: f(!transB), alpha: { float: alpha } });
    const gb = !need(1)
      ? undefined
      : transB
        ? em.op('Gemm', [g, a.name], { transA: 1, transB: f(transA), alpha: { float: alpha } })
        : em.op('Gemm', [a.name, g], { transA: f(!transA), alpha: { float: alpha } });
    const gc = c && need(2) ? em.sumTo(beta === 1 ? g : em.op('Mul', [g, em.scalar(beta, c.dtype)]), e.output.dims, c) : undefined;
    return [ga, gb, gc];
  },
  ReduceSum: (em, e, g) => [em.op('Expand', [keptDims(em, e, g), em.shape(e.inputs[0])])],
  ReduceMean: (em, e, g) => {
    const x = e.inputs[0];
    const count = em.op('Cast', [em.op('Div', [em.op('Size', [x.name]), em.op('Size', [e.output.name])])], { to: onnxType(x.dtype) });
    return [em.op('Div', [em.op('Expand', [keptDims(em, e, g), em.shape(x)]), count])];
  },
  ReduceMax: (em, e, g) => {
    const x = e.inputs[0];
    const axes = em.g.int64s(e.params.axes as number[]);
    const max = e.params.keepdims ? e.output.name : em.op('Unsqueeze', [e.output.name, axes]);
    const mask = em.op('Cast', [em.op('Equal', [x.name, max])], { to: onnxType(x.dtype) });
    const ties = em.op('ReduceSum', [mask, axes], { keepdims: 1 });
    return [em.op('Mul', [em.op('Div', [mask, ties]), keptDims(em, e, g)])];
  },
  Softmax: (em, e, g) => {
    const y = e.output.name;
    const dot = em.op('ReduceSum', [em.op('Mul', [g, y]), em.g.int64s([e.params.axis as number])], { keepdims: 1 });
    return [em.op('Mul', [y, em.op('Sub', [g, dot])])];
  },
  LogSoftmax: (em, e, g) => {
    const total = em.op('ReduceSum', [g, em.g.int64s([e.params.axis as number])], { keepdims: 1 });
    return [em.op('Sub', [g, em.op('Mul', [em.op('Exp', [e.output.name]), total])])];
  },
  Gather: (em, e, g) => [gatherBackward(em, e, g), undefined],
  GatherElements: (em, e, g) => {
    const [x, idx] = e.inputs;
    return [em.g.op('ScatterElements', [em.zerosLike(x), idx.name, g], { axis: e.params.axis as number, reduction: 'add' }), undefined];
  },
  Reshape: (em, e, g) => [em.op('Reshape', [g, em.shape(e.inputs[0])])],
  Transpose: (em, e, g) => [em.op('Transpose', [g], { perm: inversePerm(e.params.perm as number[]) })],
  Slice: (em, e, g) => [sliceBackward(em, e, g)],
  Concat: (em, e, g) => {
    const axis = e.params.axis as number;
    const sizes = e.inputs.map((v) => em.op('Gather', [em.shape(v), em.g.int64s([axis])], { axis: 0 }));
    const split = sizes.length === 1 ? sizes[0] : em.op('Concat', sizes, { axis: 0 });
    return em.g.node('Split', [g, split], { axis }, { outputs: e.inputs.length });
  },
  Expand: (em, e, g) => [em.sumTo(g, e.output.dims, e.inputs[0])],
  Where: (em, e, g) => {
    const [cond, a, b] = e.inputs;
    const zero = em.scalar(0, e.output.dtype);
    return [undefined, em.sumTo(em.op('Where', [cond.name, g, zero]), e.output.dims, a), em.sumTo(em.op('Where', [cond.name, zero, g]), e.output.dims, b)];
  },
  Cast: (em, e, g) => [em.op('Cast', [g], { to: onnxType(e.inputs[0].dtype) })],
};

/** The output gradient with the reduced axes present again (size 1), ready to broadcast. */
function keptDims(em: BackwardEmitter, e: Entry, g: string): string {
  return e.params.keepdims ? g : em.op('Unsqueeze', [g, em.g.int64s(e.params.axes as number[])]);
}

/** Scatter-add of the output gradient into zeros shaped like the data (axis moved to the front). */
function gatherBackward(em: BackwardEmitter, e: Entry, g: string): string {
  const [x, idx] = e.inputs;
  const axis = e.params.axis as number,
    r = idx.dims.length,
    xr = x.dims.length;
  const indices = em.op('Unsqueeze', [idx.name, em.g.int64s([r])]);
  if (axis === 0) return em.g.op('ScatterND', [em.zerosLike(x), indices, g], { reduction: 'add' });
  const permX = [axis, ...[...Array(xr).keys()].filter((i) => i !== axis)];
  const permG = [...Array(r).keys()]
    .map((i) => axis + i)
    .concat(
      [...Array(axis).keys()],
      [...Array(xr - axis - 1).keys()].map((i) => axis + r + i),
    );
  const zerosT = em.op('Expand', [em.scalar(0, x.dtype), em.op('Gather', [em.shape(x), em.g.int64s(permX)], { axis: 0 })]);
  const scattered = em.g.op('ScatterND', [zerosT, indices, em.op('Transpose', [g], { perm: permG })], { reduction: 'add' });
  return em.op('Transpose', [scattered], { perm: inversePerm(permX) });
}

/** Pads the output gradient with zeros back to the input's extent (Slice with step 1). */
function sliceBackward(em: BackwardEmitter, e: Entry, g: string): string {
  const x = e.inputs[0];
  const { starts, ends, axes } = e.params as { starts: number[]; ends: number[]; axes: number[] };
  const rank = x.dims.length;
  const before: string[] = [],
    after: string[] = [];
  for (let i = 0; i < rank; i++) {
    const k = axes.indexOf(i);
    if (k < 0) {
      before.push(em.g.int64s([0]));
      after.push(em.g.int64s([0]));
      continue;
    }
    const d = x.dims[i];
    if (typeof d === 'number') {
      const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
      const s = clamp(starts[k]),
        t = Math.max(s, clamp(ends[k]));
      before.push(em.g.int64s([s]));
      after.push(em.g.int64s([d - t]));
      continue;
    }
    // Symbolic size: the same clamping, computed on int64 tensors at run time.
    const dim = em.op('Gather', [em.shape(x), em.g.int64s([i])], { axis: 0 });
    const zero = em.g.int64s([0]);
    const clamp = (v: number) => {
      const raw = v < 0 ? em.op('Add', [dim, em.g.int64s([v])]) : em.g.int64s([Math.min(v, 2 ** 53)]);
      return em.op('Min', [em.op('Max', [raw, zero]), dim]);
    };
    const s = clamp(starts[k]);
    const t = em.op('Max', [s, clamp(ends[k])]);
    before.push(s);
    after.push(em.op('Sub', [dim, t]));
  }
  return em.op('Pad', [g, em.op('Concat', [...before, ...after], { axis: 0 })]);
}

export function backwardRule(em: BackwardEmitter, e: Entry, gy: string, need: (k: number) => boolean = () => true): (string | undefined)[] {
  return RULES[e.kind](em, e, gy, need);
}
