/**
 * M6 of methods.md §2: the least-squares line of M5 against M1 over every head of every analysed
 * layer, with its Pearson r (the study reports M1 and M5 negatively correlated).
 */
import { pearson } from '../../engine/kernels/pearson';

/** Least-squares line y = intercept + slope·x and Pearson r over the finite pairs (M6: x = M1, y = M5). */
export interface Regression {
  slope: number;
  intercept: number;
  r: number;
  n: number;
}

export function regression(xs: ArrayLike<number>, ys: ArrayLike<number>): Regression | null {
  const x: number[] = [],
    y: number[] = [];
  for (let i = 0; i < xs.length; i++)
    if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
      x.push(xs[i]);
      y.push(ys[i]);
    }
  const n = x.length;
  if (n < 3) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n,
    my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r: pearson(x, y), n };
}
