/**
 * Pearson correlation of two flattened tensors, accumulated in float64. It is O(n), so plain JS is
 * as fast as memory allows; two passes (means, then centred sums) avoid the cancellation of the
 * one-pass Σxy − n·x̄ȳ formula, which loses all digits when the means dominate the spread.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: the tensors have different sizes (${n} and ${b.length} values)`);
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  let sa = 0,
    sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n,
    mb = sb / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma,
      db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // A constant tensor has no spread: the correlation is undefined, reported as NaN (not a crash).
  if (saa === 0 || sbb === 0) return NaN;
  const r = sab / Math.sqrt(saa * sbb);
  return Math.max(-1, Math.min(1, r));
}
