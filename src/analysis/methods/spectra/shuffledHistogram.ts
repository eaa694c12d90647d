/**
 * The empirical spectral density of the entry-shuffled matrix, binned like the matrix's own: the
 * reference rand_distance compares with, drawn over the ESD histogram ("entries shuffled"). A
 * shuffle keeps every entry and destroys every correlation between them, so its spectrum is what
 * the matrix's entry distribution gives without any learned structure; where the two histograms
 * part is where training put structure. The shuffled singular values already exist when
 * rand_distance is computed, so this costs one pass over them and no decomposition.
 *
 * Bins are over the singular value ν (the panel's axis; λ = ν² of WᵀW is monotone in ν, so the
 * counts are those of the eigenvalues in the corresponding λ bins): `counts.length` equal bins on
 * [0, hi], a value in bin ⌊ν / width⌋. hi covers both spectra and the Marchenko–Pastur tolerant
 * edge with 3 % room, so no value of either falls outside the last bin.
 */

export interface ShuffledHistogram {
  /** Upper edge of the bins; the lower edge is 0. The ESD is drawn on the same bins. */
  hi: number;
  /** Shuffled matrix's singular values per bin (they sum to the number of singular values). */
  counts: number[];
}

/** Bins of an ESD of n singular values: about 2√n, at least 10, at most 80. */
export function esdBinCount(n: number): number {
  return Math.max(10, Math.min(80, Math.round(2 * Math.sqrt(n))));
}

/** Upper edge of the ESD bins: the largest of both spectra's maxima and `upperTolerant`, plus 3 %. */
export function esdUpperEdge(s: ArrayLike<number>, sShuffled: ArrayLike<number>, upperTolerant = 0): number {
  let max = upperTolerant;
  for (let i = 0; i < s.length; i++) max = Math.max(max, s[i]);
  for (let i = 0; i < sShuffled.length; i++) max = Math.max(max, sShuffled[i]);
  return max * 1.03 || 1;
}

/** Counts of `values` in `count` equal bins over [0, hi] (the last bin takes hi itself). */
export function binCounts(values: ArrayLike<number>, hi: number, count: number): number[] {
  const width = hi / count;
  const counts = new Array<number>(count).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(count - 1, Math.max(0, Math.floor(values[i] / width)))]++;
  return counts;
}

/** The shuffled matrix's histogram on the bins of the matrix's ESD (`s`: its singular values). */
export function shuffledHistogram(s: ArrayLike<number>, sShuffled: ArrayLike<number>, upperTolerant?: number): ShuffledHistogram {
  const hi = esdUpperEdge(s, sShuffled, upperTolerant);
  return { hi, counts: binCounts(sShuffled, hi, esdBinCount(s.length)) };
}
