// The float64 ONNX graphs that carry the O(n³) part of the symmetric eigen-decomposition: the
// panel step and the trailing rank-2k update of the dense → band reduction, and the blocked
// reflector product of the back-transformation. Shapes are symbolic, so each graph compiles once
// per process and serves every matrix size.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { availableParallelism } from 'node:os';
import { sessionOptions } from '../engine/providers';

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const INT64 = onnx.TensorProto.DataType.INT64;
const OPSET = 21;
/** "To the end" for Slice: ends are clamped to the dimension. */
const END = 2n ** 62n;

type Dim = string | number;
/** The attributes of the ops used here that are floats; all others are ints. */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta']);
interface Node {
  op: string;
  inputs: string[];
  output: string;
  attrs?: Record<string, number>;
}

function valueInfo(name: string, elemType: number, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

function int64Constant(name: string, values: bigint[]): onnx.ITensorProto {
  return { name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(BigInt64Array.from(values).buffer) };
}

function encode(name: string, nodes: Node[], inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], constants: onnx.ITensorProto[]): Uint8Array {
  const node: onnx.INodeProto[] = nodes.map((n) => ({
    opType: n.op,
    input: n.inputs,
    output: [n.output],
    attribute: Object.entries(n.attrs ?? {}).map(([k, v]) =>
      FLOAT_ATTRIBUTES.has(k)
        ? { name: k, type: onnx.AttributeProto.AttributeType.FLOAT, f: v }
        : { name: k, type: onnx.AttributeProto.AttributeType.INT, i: v },
    ),
  }));
  const model = onnx.ModelProto.create({
    irVersion: 10,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'layer-lens',
    graph: { name, node, input: inputs, output: outputs, initializer: constants },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Gemm with the C input as accumulator: out = alpha·op(a)·op(b) + beta·c. */
function gemm(output: string, a: string, b: string, opts: { c?: string; transA?: boolean; transB?: boolean; alpha?: number } = {}): Node {
  const attrs: Record<string, number> = {};
  if (opts.transA) attrs.transA = 1;
  if (opts.transB) attrs.transB = 1;
  if (opts.alpha !== undefined) attrs.alpha = opts.alpha;
  return { op: 'Gemm', inputs: opts.c ? [a, b, opts.c] : [a, b], output, attrs };
}

/** Columns [start, end) of a 2-D tensor. */
function sliceCols(output: string, x: string, start: string, end: string): Node {
  return { op: 'Slice', inputs: [x, start, end, 'axis1'], output };
}

/**
 * One panel of the dense → band reduction, on the trailing matrix A (m×m) as it was when the
 * current block of panels began, of which only rows rowStart.. are given (A: (m − rowStart)×m).
 * The block's earlier reflectors act implicitly:
 * A_cur = A − Σₚ (vₚᵀ·wₚ + wₚᵀ·vₚ), held as PR = [v₀; w₀; v₁; w₁; …] and QR = [w₀; v₀; w₁; v₁; …]
 * (2q×m each, so A_cur = A − PRᵀ·QR). Given this panel's reflectors v (k×m, zero left of their
 * first entry) and T (k×k, H = I − vᵀ·T·v), returns w (k×m) with Hᵀ·A_cur·H = A_cur − vᵀ·w − wᵀ·v,
 * and rows [rowStart, rowEnd) of that updated matrix (the next panel). Everything is computed
 * transposed (k×m rather than m×k): A is symmetric, and this way the big products are Gemms
 * without transposed operands, which ORT runs fastest. first = true: no earlier reflectors.
 */
function panelGraph(first: boolean): Uint8Array {
  // A·vᵀ, not v·A: MLAS packs its second operand, and packing v is cheap while packing A is not.
  // Only rows rowStart.. of A are fed (A is symmetric and v is zero left of rowStart, so they give
  // the entries of A·vᵀ that matter); the columns of w left of rowStart come out as don't-cares
  // that no later product reads, and the zero padding just keeps every operand m wide.
  const nodes: Node[] = [
    gemm('Y0', 'A', 'v', { transB: true }),
    { op: 'Transpose', inputs: ['Y0'], output: 'Ytr' },
    { op: 'Concat', inputs: ['zero', 'rowStart', 'zero', 'zero'], output: 'pads', attrs: { axis: 0 } },
    { op: 'Pad', inputs: ['Ytr', 'pads'], output: 'Yt0' },
    // Rows rowStart..rowEnd of A, the next panel's rows before the updates.
    { op: 'Sub', inputs: ['rowEnd', 'rowStart'], output: 'rowCount' },
    { op: 'Slice', inputs: ['A', 'zero', 'rowCount', 'axis0'], output: 'N0' },
  ];
  let yt = 'Yt0';
  let next = 'N0';
  if (!first) {
    // Both corrections in one Gemm that reads QR once: Yt1 = Yt0 − (QR·vᵀ)ᵀ·PR, and since PR is QR
    // with each (w, v) pair of rows swapped, that equals Yt0 − (PR·vᵀ)ᵀ·QR; the next rows are
    // N0 − PR[:, rows]ᵀ·QR. Stacked: [Yt1; N1] = [Yt0; N0] − [PR·vᵀ, PR[:, rows]]ᵀ·QR.
    nodes.push(
      gemm('S', 'PR', 'v', { transB: true }),
      sliceCols('PRs', 'PR', 'rowStart', 'rowEnd'),
      { op: 'Concat', inputs: ['S', 'PRs'], output: 'E', attrs: { axis: 1 } },
      { op: 'Concat', inputs: ['Yt0', 'N0'], output: 'C0', attrs: { axis: 0 } },
      gemm('F', 'E', 'QR', { c: 'C0', transA: true, alpha: -1 }),
      { op: 'Shape', inputs: ['T'], output: 'kk', attrs: { end: 1 } },
      { op: 'Slice', inputs: ['F', 'zero', 'kk', 'axis0'], output: 'Yt1' },
      { op: 'Slice', inputs: ['F', 'kk', 'end', 'axis0'], output: 'N1' },
    );
    yt = 'Yt1';
    next = 'N1';
  }
  nodes.push(
    gemm('Xt', 'T', yt, { transA: true }),
    gemm('U', 'v', 'Xt', { transB: true }),
    gemm('Z', 'T', 'U', { transA: true }),
    gemm('w', 'Z', 'v', { c: 'Xt', transA: true, alpha: -0.5 }),
    sliceCols('ws', 'w', 'rowStart', 'rowEnd'),
    sliceCols('vs', 'v', 'rowStart', 'rowEnd'),
  );
  nodes.push(gemm('N2', 'vs', 'w', { c: next, transA: true, alpha: -1 }), gemm('next', 'ws', 'v', { c: 'N2', transA: true, alpha: -1 }));
  const inputs = [valueInfo('A', DOUBLE, ['l', 'm'])];
  if (!first) inputs.push(valueInfo('PR', DOUBLE, ['q2', 'm']), valueInfo('QR', DOUBLE, ['q2', 'm']));
  inputs.push(valueInfo('v', DOUBLE, ['k', 'm']), valueInfo('T', DOUBLE, ['k', 'k']), valueInfo('rowStart', INT64, [1]), valueInfo('rowEnd', INT64, [1]));
  return encode(
    first ? 'band_panel_first' : 'band_panel',
    nodes,
    inputs,
    [valueInfo('w', DOUBLE, ['k', 'm']), valueInfo('next', DOUBLE, ['r', 'm'])],
    [int64Constant('zero', [0n]), ...(first ? [] : [int64Constant('end', [END])]), int64Constant('axis0', [0n]), int64Constant('axis1', [1n])],
  );
}

/** Row blocks of a trailing update, at least (see trailingRowsGraph and denseToBand). */
export const TRAILING_SPLIT = 4;

/**
 * End of a block of panels, one row block at a time: rows [w + ρ₀, w + ρ₁) of the implicitly
 * updated matrix, columns [w, w + ρ₁) (the lower part and the diagonal block of the new trailing
 * matrix; the caller mirrors the upper part), as C − P·Qᵀ with C = A[rows, w : w + ρ₁] (copied by
 * the caller into a contiguous block), P = PR[:, w:]ᵀ for these rows and Q = QR[:, w:]ᵀ for rows
 * 0..ρ₁ (both built by the caller as the panels appear, contiguous, so no operand is transposed or
 * sliced). One Gemm into the caller's output: the graph allocates nothing. (A Slice of A here
 * allocated a block-sized intermediate on every run, up to 32 MiB, on whichever thread ran it;
 * the C library kept those freed blocks in its per-thread heaps, which at n = 8192 left the reduction
 * 250–290 MiB above its own buffers, measured with bench/memoryPhases.bench.ts.) The caller can
 * write each result over rows of A that are already consumed: the whole reduction then works in
 * one n × n buffer. Skipping the columns right of the diagonal block saves (k − 1)/(2k) of the
 * flops for k row blocks.
 */
function trailingRowsGraph(): Uint8Array {
  return encode(
    'band_trailing_rows',
    [gemm('out', 'P', 'Q', { c: 'C', transB: true, alpha: -1 })],
    [valueInfo('C', DOUBLE, ['h', 'c']), valueInfo('P', DOUBLE, ['h', 'q2']), valueInfo('Q', DOUBLE, ['c', 'q2'])],
    [valueInfo('out', DOUBLE, ['h', 'c'])],
    [],
  );
}

/**
 * A block of reflectors I − Vᵀ·T·V applied to Y (m×k) from the left, a row block at a time, so
 * that no m×k result is ever allocated: with Z = T·(V·Y) (q×k, two products the caller runs into
 * its own arrays), each row block is Y[start:end] − V[:, start:end]ᵀ·Z, written by the caller over
 * those rows of Y.
 */
function reflectorRowsGraph(): Uint8Array {
  const nodes: Node[] = [sliceCols('Vs', 'V', 'start', 'end'), gemm('out', 'Vs', 'Z', { c: 'Y', transA: true, alpha: -1 })];
  return encode(
    'block_reflector_rows',
    nodes,
    [
      valueInfo('V', DOUBLE, ['q', 'm']),
      valueInfo('Z', DOUBLE, ['q', 'k']),
      valueInfo('Y', DOUBLE, ['h', 'k']),
      valueInfo('start', INT64, [1]),
      valueInfo('end', INT64, [1]),
    ],
    [valueInfo('out', DOUBLE, ['h', 'k'])],
    [int64Constant('axis1', [1n])],
  );
}

/** Float64 products with operands as given (nn), or one of them transposed (nt: A·Bᵀ, tn: Aᵀ·B). */
function productGraph(kind: 'nn' | 'nt' | 'tn'): Uint8Array {
  const a = kind === 'tn' ? ['k', 'm'] : ['m', 'k'];
  const b = kind === 'nt' ? ['n', 'k'] : ['k', 'n'];
  return encode(
    `gemm_${kind}`,
    [gemm('out', 'A', 'B', { transA: kind === 'tn', transB: kind === 'nt' })],
    [valueInfo('A', DOUBLE, a), valueInfo('B', DOUBLE, b)],
    [valueInfo('out', DOUBLE, ['m', 'n'])],
    [],
  );
}

/**
 * Float64 products with one float32 operand (a weight matrix) cast inside the graph:
 * 'nn': A₃₂·B₆₄, 'tn': A₃₂ᵀ·B₆₄, 'nt': A₆₄·B₃₂ᵀ.
 */
export type MixedKind = 'nn' | 'tn' | 'nt';

function mixedProductGraph(kind: MixedKind): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const nodes: Node[] =
    kind === 'nt'
      ? [{ op: 'Cast', inputs: ['B'], output: 'Bd', attrs: { to: DOUBLE } }, gemm('out', 'A', 'Bd', { transB: true })]
      : [{ op: 'Cast', inputs: ['A'], output: 'Ad', attrs: { to: DOUBLE } }, gemm('out', 'Ad', 'B', { transA: kind === 'tn' })];
  const inputs =
    kind === 'nt'
      ? [valueInfo('A', DOUBLE, ['m', 'k']), valueInfo('B', FLOAT, ['n', 'k'])]
      : [valueInfo('A', FLOAT, kind === 'tn' ? ['k', 'm'] : ['m', 'k']), valueInfo('B', DOUBLE, ['k', 'n'])];
  return encode(`gemm_mixed_${kind}`, nodes, inputs, [valueInfo('out', DOUBLE, ['m', 'n'])], []);
}

export interface ReductionSessions {
  threads: number;
  panelFirst: ort.InferenceSession;
  panel: ort.InferenceSession;
  trailingRows: ort.InferenceSession;
  reflectorRows: ort.InferenceSession;
  productNN: ort.InferenceSession;
  productNT: ort.InferenceSession;
  productTN: ort.InferenceSession;
  mixed: Record<MixedKind, ort.InferenceSession>;
}

const cache = new Map<number, Promise<ReductionSessions>>();

/** Sessions for the given intra-op thread count (default: all cores), created once and reused. */
export function reductionSessions(threads = availableParallelism()): Promise<ReductionSessions> {
  let s = cache.get(threads);
  if (!s) {
    const base = sessionOptions('cpu', threads);
    const options: ort.InferenceSession.SessionOptions = {
      ...base,
      // GemmTransposeFusion would fold the panel's Transpose(A·vᵀ) into v·Aᵀ, making the big
      // matrix A the operand MLAS packs on every panel, which is what panelGraph avoids (≈ 20%
      // more CPU time per panel at m = 2048, measured).
      extra: { ...base.extra, optimization: { disable_specified_optimizers: 'GemmTransposeFusion' } },
    };
    const make = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, options);
    s = (async () => ({
      threads,
      panelFirst: await make(panelGraph(true)),
      panel: await make(panelGraph(false)),
      trailingRows: await make(trailingRowsGraph()),
      reflectorRows: await make(reflectorRowsGraph()),
      productNN: await make(productGraph('nn')),
      productNT: await make(productGraph('nt')),
      productTN: await make(productGraph('tn')),
      mixed: { nn: await make(mixedProductGraph('nn')), tn: await make(mixedProductGraph('tn')), nt: await make(mixedProductGraph('nt')) },
    }))();
    s.catch(() => cache.delete(threads));
    cache.set(threads, s);
  }
  return s;
}

export function f64Tensor(data: Float64Array, rows: number, cols: number): ort.Tensor {
  return new ort.Tensor('float64', data, [rows, cols]);
}

export function f32Tensor(data: Float32Array, rows: number, cols: number): ort.Tensor {
  return new ort.Tensor('float32', data, [rows, cols]);
}

/** out = op(A)·op(B) in float64 through ORT. */
export async function product(
  sessions: ReductionSessions,
  kind: 'nn' | 'nt' | 'tn',
  a: Float64Array,
  aRows: number,
  aCols: number,
  b: Float64Array,
  bRows: number,
  bCols: number,
): Promise<Float64Array> {
  const session = kind === 'nn' ? sessions.productNN : kind === 'nt' ? sessions.productNT : sessions.productTN;
  const result = await session.run({ A: f64Tensor(a, aRows, aCols), B: f64Tensor(b, bRows, bCols) });
  return result.out.data as Float64Array;
}

/** op(A)·op(B) in float64 where the weight-matrix operand is float32 (see MixedKind). */
export async function mixedProduct(
  sessions: ReductionSessions,
  kind: MixedKind,
  a: Float32Array | Float64Array,
  aRows: number,
  aCols: number,
  b: Float32Array | Float64Array,
  bRows: number,
  bCols: number,
): Promise<Float64Array> {
  const tensor = (x: Float32Array | Float64Array, r: number, c: number) => (x instanceof Float32Array ? f32Tensor(x, r, c) : f64Tensor(x, r, c));
  const result = await sessions.mixed[kind].run({ A: tensor(a, aRows, aCols), B: tensor(b, bRows, bCols) });
  return result.out.data as Float64Array;
}

export function indexTensor(i: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.of(BigInt(i)), [1]);
}
