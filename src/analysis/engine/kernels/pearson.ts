/**
 * Pearson correlation of two flattened tensors, accumulated in float64. It is O(n), so plain JS is
 * as fast as memory allows; two passes (means, then centred sums) avoid the cancellation of the
 * one-pass Σxy − n·x̄ȳ formula, which loses all digits when the means dominate the spread.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: the tensors have different sizes (${n} and ${b.length} values)`);
  const [ma, mb] = means(a, b);
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
  return correlation(sab, saa, sbb);
}

/** The two means (order-independent sums), after checking there are at least 2 values. */
function means(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  const n = a.length;
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  let sa = 0,
    sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  return [sa / n, sb / n];
}

/** r from the centred sums, clamped to [−1, 1]; a constant tensor has no spread: NaN, not a crash. */
function correlation(sab: number, saa: number, sbb: number): number {
  if (saa === 0 || sbb === 0) return NaN;
  const r = sab / Math.sqrt(saa * sbb);
  return Math.max(-1, Math.min(1, r));
}

/**
 * pearson(a, bᵀ) for a r×c and b c×r row-major, without forming bᵀ: entry (i, j) of a is paired
 * with entry (j, i) of b. For the MLP measures, which pair Wg, Wu and pinv(Wu)ᵀ [ff, d] with Wdᵀ
 * while down_proj is stored [d, ff]: a transpose of it at 70B shapes is another 940 MB. The means
 * are order-independent sums; the centred sums walk both in 64 × 64 tiles so that b's strided
 * reads stay in cache.
 */
export function pearsonTransposed(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, cols: number): number {
  const n = rows * cols;
  if (a.length !== n || b.length !== n) throw new Error(`pearson: expected two ${rows}×${cols} tensors (${n} values), got ${a.length} and ${b.length}`);
  const [ma, mb] = means(a, b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  const TILE = 64;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          const da = a[i * cols + j] - ma,
            db = b[j * rows + i] - mb;
          sab += da * db;
          saa += da * da;
          sbb += db * db;
        }
      }
    }
  }
  return correlation(sab, saa, sbb);
}
