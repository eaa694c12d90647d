// Typed access to the numpy quantile oracle (test/oracles/tensor_quantiles.py → .json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../paths';

export interface QuantileCase {
  shape: number[];
  values: number[];
  nan_at: number[];
  inf_at: number[];
  quantiles: number[];
  abs_quantiles: number[];
}

export interface QuantileOracle {
  probs: number[];
  f32_heavy: QuantileCase;
  f32_ties: QuantileCase;
  bf16: QuantileCase;
}

export const quantileOracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/tensor_quantiles.json'), 'utf8')) as QuantileOracle;

/** The case's values as the tensor holds them: NaN at nan_at, +Inf then −Inf at inf_at. */
export function oracleValues(c: QuantileCase): Float32Array {
  const v = Float32Array.from(c.values);
  for (const i of c.nan_at) v[i] = NaN;
  c.inf_at.forEach((i, k) => (v[i] = k % 2 ? -Infinity : Infinity));
  return v;
}

/**
 * The reference the oracle stands for, for data too large to commit: sort the finite values, sort
 * their magnitudes, and read numpy's linear rule (h = (n − 1)·q; x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])).
 */
export function quantilesBySort(values: Float32Array, probs: readonly number[]): { values: number[]; abs: number[] } {
  const finite = values.filter((x) => Number.isFinite(x));
  const read = (x: Float32Array) =>
    probs.map((q) => {
      const h = (x.length - 1) * q;
      const lo = Math.floor(h);
      const hi = Math.min(x.length - 1, lo + 1);
      return x[lo]! + (h - lo) * (x[hi]! - x[lo]!);
    });
  return { values: read(finite.slice().sort()), abs: read(finite.map(Math.abs).sort()) };
}
