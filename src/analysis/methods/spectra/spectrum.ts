/**
 * Random-matrix analysis of one weight matrix (spec §3): its singular values against the
 * Marchenko–Pastur law for its shape and entry std, the KS randomness of its singular vectors
 * against N(0, 1/n), and the spectral metrics (log_norm, log_spectral_norm, stable_rank, power-law
 * α with x_min and fit quality — WeightWatcher's fit by default, the Clauset et al. rule as an
 * option — alpha_weighted, spikes, rand_distance, and WeightWatcher's log_alpha_norm, num_pl_spikes,
 * matrix_rank, matrix entropy, σ_mp and mp_softrank). Used for whole matrices and for attention-head
 * slices alike.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Matrix, Matrix64 } from '../../linalg/matrix';
import { singularValues, svd, svdVectorBlocks } from '../../linalg/svd';
import { formGram, gramEigenBytes, gramSide, shapeOf, type GramInput, type GramOptions, type MatrixBox } from '../../linalg/gramEigen';
import { erfc } from '../../stats/erf';
import { jensenShannonDistance } from '../../stats/jensenShannon';
import { ksFromSortedCdf, ksPValue, ksStatistic } from '../../stats/ks';
import { marchenkoPastur, mpCdf, type MarchenkoPastur } from '../../stats/marchenkoPastur';
import { ALPHA_FITS, fitPowerLaw, DEFAULT_ALPHA_FIT, type AlphaFit, type PowerLawFit } from '../../stats/powerLaw';
import { shuffled } from '../../stats/random';
import { memoryMark } from '../../linalg/memoryMarks';
import { budgetLeft } from '../../jobs/memoryBudget';
import { shuffleInPlace } from './shuffleInPlace';
import { shuffledHistogram, type ShuffledHistogram } from './shuffledHistogram';
import { wwLogAlphaNorm, wwMatrixEntropy, wwMatrixRank, wwMpFit, wwNumPlSpikes } from '../../stats/weightWatcher';

export type VectorSide = 'right' | 'left';

export interface SpectrumOptions {
  /** Which singular vectors to test: right (length = the matrix's `in`) or left (length `out`). */
  vectorSide?: VectorSide;
  /** Test singular vectors at all (costs the SVD's vectors). Default true. */
  vectors?: boolean;
  /** Compute rand_distance (costs a second set of singular values). Default true. */
  randDistance?: boolean;
  /** Seed of the entry shuffle of rand_distance. */
  seed?: number;
  /** How α is fitted: WeightWatcher's fit ('ww', default) or the Clauset et al. rule ('clauset'). */
  alphaFit?: AlphaFit;
  /** Keep the singular values and per-vector p-values in the result (for plots). Default true. */
  keepValues?: boolean;
  /**
   * The matrix is the caller's to lose: rand_distance shuffles its entries in place instead of a
   * copy (one matrix in memory instead of two). Default false.
   */
  consume?: boolean;
  engine?: Engine;
}

export const DEFAULT_SHUFFLE_SEED = 0x5eed;

export interface VectorRandomness {
  side: VectorSide;
  /** Length of each tested vector (the n of N(0, 1/n)). */
  length: number;
  /** Vectors tested (those of non-negligible singular values). */
  count: number;
  meanP: number;
  /** Fraction of vectors with p < 0.05 (≈ 5% for a random matrix). */
  fractionBelow05: number;
  /** p of each tested vector, in singular-value order (descending), when values are kept. */
  p?: number[];
}

export interface MarchenkoPasturFit {
  sigma: number;
  lower: number;
  upper: number;
  lowerTolerant: number;
  upperTolerant: number;
  /** Fraction of singular values outside [lowerTolerant, upperTolerant]. */
  fractionOutside: number;
  /** Singular values above upperTolerant. */
  spikes: number;
  /** KS distance between the empirical singular-value distribution and MP. */
  ks: number;
}

/**
 * WeightWatcher's metrics beyond the norms and α (stats/weightWatcher.ts), each as WeightWatcher
 * computes it; NaN where WeightWatcher's computation fails (no α, a zero matrix).
 */
export interface WeightWatcherMetrics {
  /** log10 Σ λ^α with the chosen fit's α (WW log_alpha_norm); NaN when α could not be fitted. */
  logAlphaNorm: number;
  /** Eigenvalues ≥ x_min of the chosen fit (WW num_pl_spikes); NaN when α could not be fitted. */
  numPlSpikes: number;
  /** Singular values above WW's tolerance max(s)·N·ε₆₄ (and above what the SVD resolves). */
  matrixRank: number;
  /** WW matrix_entropy: −Σ p ln p / ln rank, p = λ/Σλ (+1e-10); 1 for a flat spectrum. */
  matrixEntropy: number;
  /** σ of WW's Marchenko–Pastur fit to the ESD rescaled to mean 1. */
  sigmaMp: number;
  /** WW mp_softrank: the MP upper edge of σ_mp over λmax (rescaled); ≈ 1 random, → 0 spiked. */
  mpSoftrank: number;
}

export interface SpectralMetrics extends WeightWatcherMetrics {
  logNorm: number;
  logSpectralNorm: number;
  stableRank: number;
  /** The power-law fit of the eigenvalue tail; `alpha.method` says which fit. */
  alpha: PowerLawFit;
  /** α·log10 λmax; NaN when α could not be fitted. */
  alphaWeighted: number;
  /** NaN when not computed. */
  randDistance: number;
}

export interface Spectrum {
  /** Shape `[out, in]` of the analysed matrix. */
  rows: number;
  cols: number;
  /** Null when every entry is equal (no spread, no MP law). */
  mp: MarchenkoPasturFit | null;
  metrics: SpectralMetrics;
  vectors: VectorRandomness | null;
  /** Singular values, descending, when values are kept. */
  singularValues?: number[];
  /**
   * Histogram of the entry-shuffled matrix's singular values on the ESD's bins (shuffledHistogram.ts),
   * when values are kept and rand_distance was computed.
   */
  shuffled?: ShuffledHistogram;
  /** Why parts are missing, when they are. */
  note?: string;
}

/** Population standard deviation of the entries (float64 accumulation, two passes). */
export function entryStd(W: Matrix): number {
  const n = W.data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += W.data[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (W.data[i] - mean) ** 2;
  return Math.sqrt(ss / n);
}

export function mpFit(s: Float64Array, law: MarchenkoPastur): MarchenkoPasturFit {
  let outside = 0;
  let spikes = 0;
  for (const v of s) {
    if (v > law.upperTolerant) spikes++;
    if (v > law.upperTolerant || v < law.lowerTolerant) outside++;
  }
  const { d } = ksStatistic(s, mpCdf(law));
  return {
    sigma: law.sigma,
    lower: law.lower,
    upper: law.upper,
    lowerTolerant: law.lowerTolerant,
    upperTolerant: law.upperTolerant,
    fractionOutside: outside / s.length,
    spikes,
    ks: d,
  };
}

/**
 * log_norm, log_spectral_norm, stable_rank, α and alpha_weighted from the singular values. α is
 * fitted by `alphaFit`; without it the Clauset et al. rule, which the diff analysis still uses.
 */
export function metricsFrom(s: Float64Array, alphaFit: AlphaFit = 'clauset'): Omit<SpectralMetrics, 'randDistance' | keyof WeightWatcherMetrics> {
  const lambda = s.map((v) => v * v);
  let sum = 0;
  let max = 0;
  for (const l of lambda) {
    sum += l;
    max = Math.max(max, l);
  }
  const alpha = fitPowerLaw(lambda, { method: alphaFit });
  const logSpectralNorm = Math.log10(max);
  return {
    logNorm: Math.log10(sum),
    logSpectralNorm,
    stableRank: max > 0 ? sum / max : NaN,
    alpha,
    alphaWeighted: Number.isFinite(alpha.alpha) ? alpha.alpha * logSpectralNorm : NaN,
  };
}

/**
 * WeightWatcher's log_alpha_norm, num_pl_spikes, matrix_rank, entropy, σ_mp and mp_softrank of a
 * rows×cols matrix from its singular values and its α fit (stats/weightWatcher.ts).
 */
export function weightWatcherMetrics(s: Float64Array, rows: number, cols: number, alpha: PowerLawFit): WeightWatcherMetrics {
  const N = Math.max(rows, cols);
  const M = Math.min(rows, cols);
  const lambda = s.map((v) => v * v);
  // Singular values from the Gram matrix resolve down to ≈ √(M·ε₆₄)·max (svd.ts); below that a zero
  // singular value reads as noise of ≈ 1e-8·max, which WeightWatcher's tolerance would count.
  const matrixRank = wwMatrixRank(s, N, Math.sqrt(M * 2.220446049250313e-16));
  const mp = wwMpFit(lambda, N, M);
  return {
    logAlphaNorm: wwLogAlphaNorm(lambda, alpha.alpha),
    numPlSpikes: wwNumPlSpikes(lambda, alpha.xmin),
    matrixRank,
    matrixEntropy: wwMatrixEntropy(s, matrixRank),
    sigmaMp: mp.sigmaMp,
    mpSoftrank: mp.mpSoftrank,
  };
}

/** Jensen–Shannon distance between the descending, sum-normalised λ of two spectra. */
export function spectrumDistance(s: Float64Array, sRandom: Float64Array): number {
  const a = Array.from(s, (v) => v * v).sort((x, y) => y - x);
  const b = Array.from(sRandom, (v) => v * v).sort((x, y) => y - x);
  return jensenShannonDistance(a, b);
}

/** KS p-value of each column of `vectors` (length n) against N(0, 1/n). */
export function vectorPValues(vectors: Matrix64, count: number): Float64Array {
  const n = vectors.rows;
  const k = vectors.cols;
  const p = new Float64Array(count);
  const column = new Float64Array(n);
  const cdf = new Float64Array(n);
  // C(x) = ½ erfc(−x·√(n/2)) = ½ + ½ erf(√(n/2)·x), the CDF of N(0, 1/n), with the scale hoisted.
  const scale = Math.sqrt(n / 2);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < n; r++) column[r] = vectors.data[r * k + i];
    column.sort();
    for (let r = 0; r < n; r++) cdf[r] = 0.5 * erfc(-column[r] * scale);
    p[i] = ksPValue(ksFromSortedCdf(cdf).d, n);
  }
  return p;
}

function randomnessOf(p: Float64Array, side: VectorSide, length: number, keep: boolean): VectorRandomness {
  let sum = 0;
  let below = 0;
  for (const v of p) {
    sum += v;
    if (v < 0.05) below++;
  }
  const out: VectorRandomness = { side, length, count: p.length, meanP: p.length ? sum / p.length : NaN, fractionBelow05: p.length ? below / p.length : NaN };
  // Absent rather than undefined: results are plain data that survive JSON (cache files, webview).
  if (keep) out.p = Array.from(p);
  return out;
}

/**
 * Singular values of W with its entries shuffled (rand_distance's random baseline), W given or
 * boxed: a box let go of during the decomposition is read back first, and handed on boxed so that
 * the shuffled matrix goes once its Gram matrix is formed. `inPlace`: W may be shuffled in place.
 * The Gram product's slices come from the budget less the shuffled matrix and the Gram matrix it
 * fills (the same figure whether W was copied, kept or read back, so the values are the same).
 */
async function shuffledValues(input: Matrix | MatrixBox, inPlace: boolean, seed: number, sub: GramOptions): Promise<Float64Array> {
  if ('reread' in input && !input.matrix) input.matrix = await input.reread();
  const { rows, cols } = shapeOf(input, 'spectrum');
  const g = Math.min(rows, cols);
  const opts = sub.engine ? { ...sub, engine: budgetLeft(sub.engine, 4 * rows * cols + 8 * g * g) } : sub;
  if (!('reread' in input)) {
    return singularValues({ rows, cols, data: inPlace ? shuffleInPlace(input.data, seed) : shuffled(input.data, seed) }, opts);
  }
  shuffleInPlace((input.matrix as Matrix).data, seed);
  return singularValues(input, opts);
}

/** Singular values at or below this fraction of the largest carry no direction worth testing. */
const NEGLIGIBLE = 1e-6;

/**
 * Singular values; with `vectors` from the SVD with the chosen side's singular vectors, whose
 * randomness is tested when `test`. The vectors are tested as the SVD hands them over, a block of
 * them at a time (svdVectorBlocks), and not kept: a 70B down_proj's right vectors would be 1.75 GiB.
 */
async function valuesAndVectorRandomness(
  W: GramInput,
  vectors: boolean,
  test: boolean,
  side: VectorSide,
  keep: boolean,
  sub: { engine?: Engine; signal?: AbortSignal },
): Promise<{ s: Float64Array; vectors: VectorRandomness | null; spare?: Float64Array }> {
  if (!vectors) return { s: await singularValues(W, sub), vectors: null };
  if (!test) return { s: (await svd(W, { ...sub, right: side === 'right', left: side === 'left' })).s, vectors: null };
  const shape = shapeOf(W, 'spectrum');
  const length = side === 'right' ? shape.cols : shape.rows;
  let p = new Float64Array(0);
  memoryMark('spectrum: singular vectors, KS-tested a block at a time');
  const { s, spare } = await svdVectorBlocks(
    W,
    side,
    (values) => (p = new Float64Array(testedCount(values))).length,
    (block, first, count) => p.set(vectorPValues(block, count), first),
    sub,
  );
  throwIfCancelled(sub.signal);
  await yieldToEventLoop();
  // The Gram side's vectors are dead from here on: rand_distance's Gram matrix may take their place.
  return { s, vectors: randomnessOf(p, side, length, keep), spare };
}

/** Vectors tested: those of the leading singular values above NEGLIGIBLE·s[0]. */
function testedCount(s: Float64Array): number {
  let count = 0;
  while (count < s.length && s[count] > NEGLIGIBLE * s[0]) count++;
  return count;
}

/**
 * A matrix given up to the analysis (as `consume`) in a box it may empty: when W's bytes beside the
 * decomposition's would exceed the engine's memory budget, W is let go of once its Gram matrix is
 * formed and read again (MatrixBox.reread, the same read path and values) for rand_distance.
 */
export type SpectrumInput = Matrix | MatrixBox;

/** Shape and entry std of W, given or boxed (synchronous: the caller's frame never holds W). */
function describe(input: SpectrumInput): { rows: number; cols: number; sigma: number } {
  const shape = shapeOf(input, 'spectrum');
  if (shape.rows === 0 || shape.cols === 0) throw new Error(`spectrum: the matrix is empty (${shape.rows}×${shape.cols})`);
  return { ...shape, sigma: entryStd('reread' in input ? (input.matrix as Matrix) : input) };
}

/**
 * Whether a boxed W should be let go of during the decomposition: its float32 entries beside the
 * decomposition's own memory (gramEigenBytes) would not fit the engine's memory budget.
 */
function releaseDuringDecomposition(rows: number, cols: number, vectors: boolean, engine: Engine | undefined): boolean {
  const budget = engine?.memoryBudgetBytes ?? Infinity;
  return 4 * rows * cols + gramEigenBytes(Math.min(rows, cols), vectors) > budget;
}

/**
 * The spectrum of W. W given in a box (SpectrumInput) is the caller's to lose, as with `consume`,
 * and may be let go of during the decomposition when memory is short.
 */
export async function analyzeSpectrum(input: SpectrumInput, opts: SpectrumOptions = {}, ctx: JobContext = {}): Promise<Spectrum> {
  const { rows, cols, sigma } = describe(input);
  const side = opts.vectorSide ?? 'right';
  if (side !== 'right' && side !== 'left') throw new Error(`spectrum: vector side must be 'right' or 'left', got '${String(side)}'`);
  const alphaFit = opts.alphaFit ?? DEFAULT_ALPHA_FIT;
  if (!ALPHA_FITS.includes(alphaFit)) throw new Error(`spectrum: alpha fit must be ${ALPHA_FITS.map((f) => `'${f}'`).join(' or ')}, got '${String(alphaFit)}'`);
  const wantVectors = opts.vectors !== false;
  const keep = opts.keepValues !== false;
  const sub = { engine: opts.engine, signal: ctx.signal };
  const box = 'reread' in input ? input : undefined;
  const release = box !== undefined && releaseDuringDecomposition(rows, cols, wantVectors, opts.engine);
  // W itself, unless the decomposition may let go of it (then only the box holds it).
  const W = release ? undefined : 'reread' in input ? (input.matrix as Matrix) : input;
  // A W let go of whose vectors (if any) are the Gram side's is not read again: its Gram matrix is
  // formed first, then W is shuffled in place for rand_distance's values, and only then is the
  // Gram matrix decomposed. Otherwise the singular vectors are tested and dropped before
  // rand_distance's decomposition: never both at once.
  let first: GramInput | undefined;
  let shuffledFirst: Float64Array | undefined;
  if (release && opts.randDistance !== false && sigma > 0 && (!wantVectors || (gramSide({ rows, cols }) === 'rows') === (side === 'left'))) {
    first = await formGram(box as MatrixBox, 'spectrum', sub);
    memoryMark('spectrum: shuffle');
    shuffledFirst = await shuffledValues(box as MatrixBox, true, opts.seed ?? DEFAULT_SHUFFLE_SEED, sub);
    throwIfCancelled(ctx.signal);
  }
  const { s, vectors, spare } = await valuesAndVectorRandomness(first ?? W ?? (box as MatrixBox), wantVectors, sigma > 0, side, keep, sub);
  first = undefined;
  throwIfCancelled(ctx.signal);
  const base = metricsFrom(s, alphaFit);
  const ww = weightWatcherMetrics(s, rows, cols, base.alpha);
  const mp = sigma > 0 ? mpFit(s, marchenkoPastur(rows, cols, sigma)) : null;
  let randDistance = NaN;
  let sShuffled = shuffledFirst;
  if (sShuffled) randDistance = spectrumDistance(s, sShuffled);
  else if (opts.randDistance !== false && sigma > 0) {
    memoryMark('spectrum: shuffle');
    sShuffled = await shuffledValues(W ?? (box as MatrixBox), opts.consume === true || box !== undefined, opts.seed ?? DEFAULT_SHUFFLE_SEED, {
      ...sub,
      into: spare,
    });
    randDistance = spectrumDistance(s, sShuffled);
  }
  const result: Spectrum = {
    rows,
    cols,
    mp,
    metrics: { ...base, ...ww, randDistance },
    vectors,
  };
  if (keep) result.singularValues = Array.from(s);
  if (keep && sShuffled) result.shuffled = shuffledHistogram(s, sShuffled, mp?.upperTolerant);
  if (!(sigma > 0)) result.note = 'every entry of this matrix is equal: no Marchenko–Pastur law and no randomness test apply';
  return result;
}
