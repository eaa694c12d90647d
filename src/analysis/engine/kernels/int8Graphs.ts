/**
 * The ONNX graphs of the DOCS cosine blocks: the float32 one (Gemm on unit vectors), the two
 * integer ones (uint8 × int8 products with zero point 128 on the left: onnxruntime's fast CPU
 * combination; int8 × int8 and uint8 × uint8 are far slower there), and the int8 transpose that
 * lays out their right operands.
 *
 * GraphBuilder has no int8 dtype, so the int8 inputs are declared uint8 and retyped in the encoded
 * model (retypeInputs); the values fed are int8 tensors.
 */
import { onnx } from 'onnx-proto';
import { GraphBuilder } from '../graph';

/** Level-2 scale ratio of the integer screen's quantization: t = s / LEVEL2_RATIO (int8Quantize.ts). */
export const LEVEL2_RATIO = 254;

/** |a·bᵀ| for unit-vector rows a (bx×n) and b (by×n), reduced to row and column maxima. */
export function buildFloat32BlockGraph(): Uint8Array {
  const g = new GraphBuilder('docs_normalized_block');
  const a = g.input('a', 'float32', ['bx', 'n']);
  const b = g.input('b', 'float32', ['by', 'n']);
  const c = g.op('Abs', [g.op('Gemm', [a, b], { transB: 1 })]);
  g.output(g.op('ReduceMax', [c, g.int64s([1])], { keepdims: 0 }), 'float32', { as: 'row_max' });
  g.output(g.op('ReduceMax', [c, g.int64s([0])], { keepdims: 0 }), 'float32', { as: 'col_max' });
  return g.toBytes();
}

/** Re-declares graph inputs and outputs `names` as int8 in an encoded model. */
function retypeInputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  for (const value of [...(model.graph?.input ?? []), ...(model.graph?.output ?? [])]) {
    if (names.includes(value.name ?? '') && value.type?.tensorType) value.type.tensorType.elemType = onnx.TensorProto.DataType.INT8;
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Σ (a − 128)·b over the inner axis, times `multiplier`, as float32: onnxruntime's
 * MatMulIntegerToFloat (com.microsoft), the exact int32 product converted and scaled in the GEMM's
 * epilogue (contrib_ops/cpu/quantization/dynamic_quantize_matmul.cc, MatMulIntegerToFloat::Compute:
 * scalar scales and zero points, output float(Σ)·a_scale·b_scale), which saves the Cast and Mul
 * passes over the block that MatMulInteger would need.
 */
function integerProduct(g: GraphBuilder, a: string, b: string, multiplier: number): string {
  const zp = g.scalar(128, 'uint8');
  return g.op('MatMulIntegerToFloat', [a, b, g.scalar(multiplier, 'float32'), g.scalar(1, 'float32'), zp], {}, 'com.microsoft');
}

function level1(g: GraphBuilder): string {
  const a1 = g.input('a1', 'uint8', ['bx', 'n']);
  const b1 = g.input('b1', 'uint8', ['n', 'by']);
  return integerProduct(g, a1, b1, 1);
}

/** The block's approximate |cos| = |s_x s_y · value| as a bx×by float32 value of `g`. */
function scaled(g: GraphBuilder, value: string): string {
  const sa = g.input('sa', 'float32', ['bx', 1]);
  const sb = g.input('sb', 'float32', ['by']);
  return g.op('Abs', [g.op('Mul', [g.op('Mul', [value, sa]), sb])]);
}

function maxima(g: GraphBuilder, v: string): { row: string; col: string } {
  const row = g.op('ReduceMax', [v, g.int64s([1])], { keepdims: 0 });
  const col = g.op('ReduceMax', [v, g.int64s([0])], { keepdims: 0 });
  g.output(row, 'float32', { as: 'row_max' });
  g.output(col, 'float32', { as: 'col_max' });
  return { row, col };
}

/**
 * Fast mode: one integer product, its row and column maxima of |s_x s_y q_x·q_y|. s_y goes in as
 * MatMulIntegerToFloat's per-column b_scale, applied in the GEMM's epilogue, which saves a pass over
 * the block (a_scale can only be a scalar, so s_x stays a Mul). Three float32 roundings form each
 * value either way (the conversion and two products), which the fast bound's γ₁ covers.
 */
export function buildInt8FastGraph(): Uint8Array {
  const g = new GraphBuilder('docs_int8_fast');
  const a1 = g.input('a1', 'uint8', ['bx', 'n']);
  const b1 = g.input('b1', 'uint8', ['n', 'by']);
  const sa = g.input('sa', 'float32', ['bx', 1]);
  const sb = g.input('sb', 'float32', ['by']);
  const product = g.op('MatMulIntegerToFloat', [a1, b1, g.scalar(1, 'float32'), sb, g.scalar(128, 'uint8')], {}, 'com.microsoft');
  maxima(g, g.op('Abs', [g.op('Mul', [product, sa])]));
  return retypeInputs(g.toBytes(), ['b1']);
}

/**
 * Exact mode's screen: v = |s_x s_y (q_x·q_y + (q_x·p_y + p_x·q_y) / 254)|, its row and column
 * maxima, and the candidate mask: entries with v ≥ rowMax − mr (their row's margin) or
 * v ≥ max(colMax − mc, cf). The second product is one MatMulInteger over the concatenated operands
 * [q_x | p_x] · [p_y ; q_y]. The mask is a bool output the caller scans (its count decides whether
 * refining beats recomputing the block in float32, which NonZero's output could not tell before
 * allocating it).
 */
export function buildInt8ScreenGraph(): Uint8Array {
  const g = new GraphBuilder('docs_int8_screen');
  const g1 = level1(g);
  const a2 = g.input('a2', 'uint8', ['bx', 'n2']);
  const b2 = g.input('b2', 'uint8', ['n2', 'by']);
  const v = scaled(g, g.op('Add', [g1, integerProduct(g, a2, b2, 1 / LEVEL2_RATIO)]));
  const { row, col } = maxima(g, v);
  const mr = g.input('mr', 'float32', ['bx']);
  const mc = g.input('mc', 'float32', ['by']);
  const thrRow = g.op('Unsqueeze', [g.op('Sub', [row, mr]), g.int64s([1])]);
  // A column's threshold is also raised to cf, the exact maximum found in earlier row blocks less
  // its bound (an entry below it cannot be the column's maximum).
  const thrCol = g.op('Max', [g.op('Sub', [col, mc]), g.input('cf', 'float32', ['by'])]);
  const mask = g.op('Or', [g.op('GreaterOrEqual', [v, thrRow]), g.op('GreaterOrEqual', [v, thrCol])]);
  g.output(mask, 'bool', { as: 'mask' });
  return retypeInputs(g.toBytes(), ['b1', 'b2']);
}

/** The level-1 product Σ (a1 − 128)·b1 as float32 (exact below 2²⁴: the calibration's exactness check). */
export function buildInt8ProductGraph(): Uint8Array {
  const g = new GraphBuilder('int8_product');
  g.output(level1(g), 'float32', { as: 'c' });
  return retypeInputs(g.toBytes(), ['b1']);
}

/** Transpose of an int8 matrix. */
export function buildInt8TransposeGraph(): Uint8Array {
  const g = new GraphBuilder('int8_transpose');
  g.output(g.op('Transpose', [g.input('x', 'uint8', ['m', 'n'])], { perm: [1, 0] }), 'uint8', { as: 'y' });
  return retypeInputs(g.toBytes(), ['x', 'y']);
}
