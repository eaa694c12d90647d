/**
 * Column normalisation: every column of X scaled to unit Euclidean length (optionally returned
 * transposed, one normalised column per row), and the inverse column norms on their own, which is
 * what maxAbsCosine needs: scaling the m×m' cosine block by them is cheaper than rewriting the
 * n×m inputs when n > m'. A zero column stays zero (its cosine with anything is taken as 0).
 * Squares are summed as Mul + ReduceSum over axis 0: measured 2–4× faster in ORT than
 * ReduceSumSquare over the same axis on a 14336×4096 matrix.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import type { Engine } from '../engine';
import { GraphBuilder } from '../graph';

/** Norms below this are treated as zero columns (fp32 squares of weights never get this small otherwise). */
const TINY_NORM = 1e-30;

/** 1 / max(‖column‖, tiny) as a [1, m] value of graph `g`. */
function inverseNorms(g: GraphBuilder, x: string): string {
  const sumSq = g.op('ReduceSum', [g.op('Mul', [x, x]), g.int64s([0])], { keepdims: 1 });
  const norm = g.op('Max', [g.op('Sqrt', [sumSq]), g.scalar(TINY_NORM, 'float32')]);
  return g.op('Reciprocal', [norm]);
}

function buildColumnNormalize(transpose: boolean): Uint8Array {
  const g = new GraphBuilder('column_normalize');
  const x = g.input('x', 'float32', ['n', 'm']);
  const xn = g.op('Mul', [x, inverseNorms(g, x)]);
  g.output(transpose ? g.op('Transpose', [xn], { perm: [1, 0] }) : xn, 'float32', { as: 'y' });
  return g.toBytes();
}

function buildInverseNorms(): Uint8Array {
  const g = new GraphBuilder('inverse_column_norms');
  const x = g.input('x', 'float32', ['n', 'm']);
  g.output(g.op('Reshape', [inverseNorms(g, x), g.int64s([-1])]), 'float32', { as: 'inv' });
  return g.toBytes();
}

/** X with unit-length columns (n×m), or its transpose (m×n) when `transpose` is set. */
export async function columnNormalize(engine: Engine, x: Matrix, opts: { transpose?: boolean } = {}): Promise<Matrix> {
  const transpose = !!opts.transpose;
  const out = new Float32Array(x.rows * x.cols);
  const shape = transpose ? { rows: x.cols, cols: x.rows } : { rows: x.rows, cols: x.cols };
  if (out.length === 0) return { ...shape, data: out };
  await engine.run(
    `columnNormalize:${+transpose}`,
    () => buildColumnNormalize(transpose),
    { x: new ort.Tensor('float32', x.data, [x.rows, x.cols]) },
    { y: new ort.Tensor('float32', out, [shape.rows, shape.cols]) },
  );
  return { ...shape, data: out };
}

/** 1/‖X_j‖ for every column j (a huge finite value for zero columns, whose products stay 0). */
export async function inverseColumnNorms(engine: Engine, x: Matrix): Promise<Float32Array> {
  const out = new Float32Array(x.cols);
  if (x.cols === 0 || x.rows === 0) return out;
  await engine.run(
    'inverseColumnNorms',
    buildInverseNorms,
    { x: new ort.Tensor('float32', x.data, [x.rows, x.cols]) },
    { inv: new ort.Tensor('float32', out, [x.cols]) },
  );
  return out;
}
