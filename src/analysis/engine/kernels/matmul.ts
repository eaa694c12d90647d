/** Matrix products on the engine: the O(n³) work of every method goes through ORT's GEMM. */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import type { Engine } from '../engine';
import { GraphBuilder } from '../graph';

export interface MatmulOptions {
  /** Use aᵀ instead of a. */
  transA?: boolean;
  /** Use bᵀ instead of b. */
  transB?: boolean;
}

function buildGemm(transA: boolean, transB: boolean): Uint8Array {
  const g = new GraphBuilder('matmul');
  const a = g.input('a', 'float32', transA ? ['k', 'm'] : ['m', 'k']);
  const b = g.input('b', 'float32', transB ? ['n', 'k'] : ['k', 'n']);
  g.output(g.op('Gemm', [a, b], { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }), 'float32', { as: 'c' });
  return g.toBytes();
}

/** The shape of op(a)·op(b), or a clear error when the inner dimensions differ. */
export function productShape(a: Matrix, b: Matrix, opts: MatmulOptions = {}): { rows: number; inner: number; cols: number } {
  const [m, k1] = opts.transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [k2, n] = opts.transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (k1 !== k2) {
    const da = `${opts.transA ? 'aᵀ' : 'a'} is ${m}×${k1}`;
    const db = `${opts.transB ? 'bᵀ' : 'b'} is ${k2}×${n}`;
    throw new Error(`matmul: inner dimensions differ (${da}, ${db})`);
  }
  return { rows: m, inner: k1, cols: n };
}

/** op(a)·op(b) in float32, op = identity or transpose per the options. */
export async function matmul(engine: Engine, a: Matrix, b: Matrix, opts: MatmulOptions = {}): Promise<Matrix> {
  const { rows, cols } = productShape(a, b, opts);
  const transA = !!opts.transA,
    transB = !!opts.transB;
  const out = new Float32Array(rows * cols);
  if (out.length === 0 || a.data.length === 0) return { rows, cols, data: out };
  await engine.run(
    `matmul:${+transA}${+transB}`,
    () => buildGemm(transA, transB),
    { a: new ort.Tensor('float32', a.data, [a.rows, a.cols]), b: new ort.Tensor('float32', b.data, [b.rows, b.cols]) },
    { c: new ort.Tensor('float32', out, [rows, cols]) },
  );
  return { rows, cols, data: out };
}
