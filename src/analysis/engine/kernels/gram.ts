/** Gram matrices W·Wᵀ ('rows': inner products of rows) or Wᵀ·W ('cols': of columns), via ORT GEMM. */
import type { Matrix } from '../../linalg/matrix';
import type { Engine } from '../engine';
import { matmul } from './matmul';

export type GramSide = 'rows' | 'cols';

/**
 * The Gram matrix of W's rows (W·Wᵀ, rows×rows) or columns (Wᵀ·W, cols×cols), made exactly
 * symmetric: GEMM may sum (i, j) and (j, i) in different orders, and eigen-solvers downstream
 * rely on exact symmetry.
 */
export async function gram(engine: Engine, w: Matrix, side: GramSide): Promise<Matrix> {
  if (side !== 'rows' && side !== 'cols') throw new Error(`gram: side must be 'rows' or 'cols', got ${String(side)}`);
  const g = side === 'rows' ? await matmul(engine, w, w, { transB: true }) : await matmul(engine, w, w, { transA: true });
  const n = g.rows,
    d = g.data;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (d[i * n + j] + d[j * n + i]);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return g;
}
