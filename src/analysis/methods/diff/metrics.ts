/**
 * The closed-form parts of a checkpoint diff, on flat float32 weights with float64 sums: norms,
 * relative change, cosine of the flattened weights, the delta and its histogram, and the rank
 * measures of the delta's singular values (is the update low-rank, like a merged LoRA?).
 *
 *   stable rank     ‖Δ‖_F² / ‖Δ‖₂² = Σσᵢ² / σ₁²
 *   effective rank  exp(H(p)), pᵢ = σᵢ / Σσⱼ, H = −Σ pᵢ ln pᵢ  (Roy & Vetterli, EUSIPCO 2007)
 *
 * Both equal k for k equal singular values and 0 singular values elsewhere, so a rank-4 update
 * with equal strengths reads 4 on both; the effective rank weighs every direction, the stable
 * rank only the energy relative to the largest one. A zero delta has rank 0 on both.
 */
import type { Matrix } from '../../linalg/matrix';

export interface FlatComparison {
  normA: number;
  normB: number;
  /** ‖B − A‖_F. */
  normDelta: number;
  /** ‖B − A‖_F / ‖A‖_F (Infinity when A is zero and B is not, 0 when both are zero). */
  relChange: number;
  /** ⟨A, B⟩ / (‖A‖ ‖B‖) of the flattened weights (1 when both are zero, NaN when only one is). */
  cosine: number;
  maxAbsDelta: number;
  /** max |Δᵢ| / |Aᵢ| over non-zero Aᵢ: the rounding bound of a dtype cast shows here. */
  maxEntryRelChange: number;
}

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

/** Norms, relative change and cosine of A and B (equal length), without forming B − A. */
export function compareFlat(a: ArrayLike<number>, b: ArrayLike<number>): FlatComparison {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} values with ${b.length}`);
  let aa = 0,
    bb = 0,
    ab = 0,
    dd = 0,
    maxAbs = 0,
    maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    const d = y - x;
    aa += x * x;
    bb += y * y;
    ab += x * y;
    dd += d * d;
    const ad = Math.abs(d);
    if (ad > maxAbs) maxAbs = ad;
    if (x !== 0 && ad / Math.abs(x) > maxRel) maxRel = ad / Math.abs(x);
  }
  const normA = Math.sqrt(aa),
    normB = Math.sqrt(bb),
    normDelta = Math.sqrt(dd);
  const relChange = normA > 0 ? normDelta / normA : normDelta > 0 ? Infinity : 0;
  const cosine = normA > 0 && normB > 0 ? Math.max(-1, Math.min(1, ab / (normA * normB))) : normA === 0 && normB === 0 ? 1 : NaN;
  return { normA, normB, normDelta, relChange, cosine, maxAbsDelta: maxAbs, maxEntryRelChange: maxRel };
}

/** B − A as float32 (the matrix whose spectrum the diff reports). */
export function deltaOf(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new Error(`cannot subtract ${a.length} values from ${b.length}`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = b[i] - a[i];
  return out;
}

/** B − A written over B (B's storage becomes the delta; the same float32 values as deltaOf). */
export function subtractInto(b: Matrix, a: Matrix): Matrix {
  if (a.data.length !== b.data.length) throw new Error(`cannot subtract ${a.data.length} values from ${b.data.length}`);
  const x = a.data,
    y = b.data;
  for (let i = 0; i < y.length; i++) y[i] -= x[i];
  return b;
}

/** Σσᵢ² / σ₁² for descending σ; 0 for a zero matrix. */
export function stableRankOf(s: ArrayLike<number>): number {
  if (s.length === 0 || !(s[0] > 0)) return 0;
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  return sum / (s[0] * s[0]);
}

/** exp(−Σ pᵢ ln pᵢ), pᵢ = σᵢ / Σσ (0 ln 0 = 0); 0 for a zero matrix. */
export function effectiveRankOf(s: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += Math.max(0, s[i]);
  if (!(total > 0)) return 0;
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = Math.max(0, s[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/**
 * Histogram of the entries on `bins` equal bins over [−m, m], m = max |x|: symmetric so that a
 * zero-centred delta looks zero-centred. All-zero input is one bin [0, 0] holding everything.
 */
export function symmetricHistogram(x: Float32Array, bins: number, maxAbs?: number): HistogramBin[] {
  let m = maxAbs ?? 0;
  if (maxAbs === undefined) for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  if (!(m > 0)) return [{ x0: 0, x1: 0, count: x.length }];
  const counts = new Array<number>(bins).fill(0);
  const width = (2 * m) / bins;
  for (let i = 0; i < x.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((x[i] + m) / width)))]++;
  return counts.map((count, i) => ({ x0: -m + i * width, x1: -m + (i + 1) * width, count }));
}

/** Histogram of non-negative values on `bins` equal bins over [0, max]. */
export function positiveHistogram(x: ArrayLike<number>, bins: number): HistogramBin[] {
  let m = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) m = Math.max(m, x[i]);
  if (!(m > 0)) return [{ x0: 0, x1: 0, count: x.length }];
  const counts = new Array<number>(bins).fill(0);
  const width = m / bins;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) counts[Math.min(bins - 1, Math.floor(x[i] / width))]++;
  return counts.map((count, i) => ({ x0: i * width, x1: (i + 1) * width, count }));
}
