/**
 * Pearson correlation of two flattened tensors, accumulated in float64. It is O(n), so plain JS is
 * as fast as memory allows; two passes (means, then centred sums) avoid the cancellation of the
 * one-pass Σxy − n·x̄ȳ formula, which loses all digits when the means dominate the spread.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: the tensors have different sizes (${n} and ${b.length} values)`);
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  // One block of PearsonSums: its means, then its centred sums.
  const sums = new PearsonSums();
  sums.add(a, b);
  return sums.value();
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
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  // One block of PearsonSums: its means, then its centred sums in tiles.
  const sums = new PearsonSums();
  sums.addTransposed(a, b, 0, rows, cols, rows);
  return sums.value();
}

/**
 * The same correlation as pearson / pearsonTransposed, accumulated block by block, for matrices too
 * large to hold together (the MLP measures at 70B shapes stream gate and up in row blocks). Each
 * block is summed the two-pass way (its means, then its centred sums) and merged into the running
 * centred sums with the pairwise update of Chan, Golub & LeVeque ("Updating formulae and a pairwise
 * algorithm for computing sample variances", 1979), which keeps the two-pass form's protection
 * against means that dominate the spread.
 */
export class PearsonSums {
  /** Pairs seen so far. */
  count = 0;
  meanA = 0;
  meanB = 0;
  /** Centred sums Σ(a−ā)(b−b̄), Σ(a−ā)², Σ(b−b̄)² over every pair seen. */
  sab = 0;
  saa = 0;
  sbb = 0;

  /** Pairs a[i], b[i] (two blocks of the same shape). */
  add(a: ArrayLike<number>, b: ArrayLike<number>): void {
    const n = a.length;
    if (n !== b.length) throw new Error(`pearson: the blocks have different sizes (${n} and ${b.length} values)`);
    if (n === 0) return;
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
    this.merge(n, ma, mb, sab, saa, sbb);
  }

  /**
   * Rows r0 … r0+rows of A (a, rows×cols row-major) paired with the same entries of Bᵀ, where B
   * (b, cols×bRows row-major, bRows = A's total row count) is held whole as stored: entry (i, j) of
   * A's block pairs with B[j, r0 + i] — pearsonTransposed's pairing, one row block at a time.
   */
  addTransposed(a: ArrayLike<number>, b: ArrayLike<number>, r0: number, rows: number, cols: number, bRows: number): void {
    if (a.length !== rows * cols) throw new Error(`pearson: expected a ${rows}×${cols} block (${rows * cols} values), got ${a.length}`);
    if (b.length !== cols * bRows || r0 < 0 || r0 + rows > bRows)
      throw new Error(`pearson: rows ${r0}…${r0 + rows} of a ${bRows}×${cols} matrix do not pair with a ${b.length}-value transposed one`);
    const n = rows * cols;
    if (n === 0) return;
    let sa = 0,
      sb = 0;
    for (let k = 0; k < n; k++) sa += a[k];
    for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) sb += b[j * bRows + r0 + i];
    const ma = sa / n,
      mb = sb / n;
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
              db = b[j * bRows + r0 + i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
          }
        }
      }
    }
    this.merge(n, ma, mb, sab, saa, sbb);
  }

  /** r over every pair added, clamped to [−1, 1]; NaN when either side is constant. */
  value(): number {
    if (this.count < 2) throw new Error(`pearson: needs at least 2 values, got ${this.count}`);
    return correlation(this.sab, this.saa, this.sbb);
  }

  private merge(n: number, ma: number, mb: number, sab: number, saa: number, sbb: number): void {
    const total = this.count + n;
    const da = ma - this.meanA,
      db = mb - this.meanB;
    const w = (this.count * n) / total;
    this.sab += sab + da * db * w;
    this.saa += saa + da * da * w;
    this.sbb += sbb + db * db * w;
    this.meanA += (da * n) / total;
    this.meanB += (db * n) / total;
    this.count = total;
  }
}

/**
 * Pearson r from raw sums (Σa, Σb, Σab, Σa²) and b's centred sum of squares, for a pairing whose
 * sums come in closed form rather than entry by entry (cc(pinv(Wu)ᵀ, Wdᵀ): correlations/mlp.ts).
 * The centring is the one-pass Σab − n·āb̄, exact for the weights' near-zero means.
 */
export function correlationOfSums(n: number, sumA: number, sumB: number, sumAB: number, sumAA: number, sbb: number): number {
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  const saa = sumAA - (sumA * sumA) / n;
  if (!(saa > 0)) return NaN;
  return correlation(sumAB - (sumA * sumB) / n, saa, sbb);
}
