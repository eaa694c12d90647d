/**
 * The diff of one pair of weight matrices A (base) and B (changed), both `[out, in]` float32:
 * relative change and cosine (metrics.ts), DOCS(A, B) in the role's neuron orientation
 * (docs.ts), the singular values of Δ = B − A with its stable and effective rank, and how the
 * spectral metrics of A and B differ (spectrum.ts's metricsFrom on each side's singular values).
 *
 * Memory (a 70B model's up_proj is 896 MiB as float32): two arrays of the pair's size, and nothing
 * else of that size, whatever the phase. They start as A and B; DOCS normalises the compared
 * vectors in them (transposed in place first when those are columns), each decomposition forms its
 * Gram matrix in whichever array is not being decomposed (8·g² bytes fit in 4·m·n when the matrix
 * is not square), and Δ is written over B. What a phase needs back is read again into an array
 * (reread.ts): two or three reads of a couple of seconds each, where a third matrix would not fit
 * the budget beside a decomposition.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { budgetLeft } from '../../jobs/memoryBudget';
import { transposeInPlace, type Matrix } from '../../linalg/matrix';
import { memoryMark } from '../../linalg/memoryMarks';
import { singularValues } from '../../linalg/svd';
import type { ExpertSelector, MatrixKind } from '../../model/types';
import { docsOfNormalized, normalizeRowsInPlace, resolveOrientation } from '../similarity/docs';
import { compareFlat, effectiveRankOf, subtractInto, stableRankOf, symmetricHistogram, type FlatComparison, type HistogramBin } from './metrics';
import type { ReadInto } from './reread';
import { metricsFrom } from '../spectra/spectrum';

export interface SideSpectrum {
  logNorm: number;
  logSpectralNorm: number;
  stableRank: number;
  /** Power-law α of the eigenvalue tail; NaN when it could not be fitted. */
  alpha: number;
  alphaReliable: boolean;
}

export interface MatrixDiff extends FlatComparison {
  layer: number;
  kind: MatrixKind;
  /** Set on gate/up/down of a mixture-of-experts layer's expert (the diff's expert selector). */
  expert?: ExpertSelector;
  shape: [number, number];
  dtypeA: string;
  dtypeB: string;
  /** DOCS(A, B) in the role's neuron orientation; null when not computed. */
  docs: number | null;
  delta: {
    /** Leading singular values of Δ, descending (at most the `keepSingular` option). */
    singularValues: number[];
    stableRank: number;
    effectiveRank: number;
    histogram: HistogramBin[];
  };
  /** Spectral metrics of each side; null when spectra were switched off. */
  a: SideSpectrum | null;
  b: SideSpectrum | null;
  /** B − A of each spectral metric (NaN where either side has none). */
  change: { logNorm: number; logSpectralNorm: number; stableRank: number; alpha: number } | null;
}

export interface MatrixDiffOptions {
  docs: boolean;
  spectra: boolean;
  keepSingular: number;
  bins: number;
}

export interface PairInfo {
  layer: number;
  kind: MatrixKind;
  dtypeA: string;
  dtypeB: string;
}

async function sideSpectrum(W: Matrix, ctx: { engine?: Engine; into?: Float64Array } & JobContext): Promise<SideSpectrum> {
  // WeightWatcher's α fit, the spectra analysis's default, so the diff's α equals the spectra panel's.
  const m = metricsFrom(await singularValues(W, ctx), 'ww');
  return { logNorm: m.logNorm, logSpectralNorm: m.logSpectralNorm, stableRank: m.stableRank, alpha: m.alpha.alpha, alphaReliable: m.alpha.reliable };
}

/**
 * The two matrices of a pair, handed over: diffMatrixPair takes them out of the box and works in
 * their memory, so that the caller holds no reference that keeps them alive. `reread` reads each
 * again into an array (reread.ts); without it the pair keeps copies of both to read from (twice
 * the memory: for small matrices and tests).
 */
export interface MatrixPair {
  A?: Matrix;
  B?: Matrix;
  reread?: { A: ReadInto; B: ReadInto };
}

/** The diff of A and B, which stay as they are (the work is done on copies). */
export function diffMatrices(A: Matrix, B: Matrix, info: PairInfo, options: MatrixDiffOptions, ctx: { engine?: Engine } & JobContext): Promise<MatrixDiff> {
  return diffMatrixPair({ A: { ...A, data: A.data.slice() }, B: { ...B, data: B.data.slice() }, reread: fromHeld(A, B) }, info, options, ctx);
}

/** Rereads that copy from matrices held in memory. */
function fromHeld(A: Matrix, B: Matrix): { A: ReadInto; B: ReadInto } {
  return {
    A: async (into) => into.set(A.data),
    B: async (into) => into.set(B.data),
  };
}

/**
 * The diff of a handed-over pair (see MatrixPair and the file comment). The kernels get the memory
 * budget less the pair's two arrays.
 */
export function diffMatrixPair(pair: MatrixPair, info: PairInfo, options: MatrixDiffOptions, ctx: { engine?: Engine } & JobContext): Promise<MatrixDiff> {
  const { A, B } = pair;
  pair.A = pair.B = undefined;
  if (!A || !B) throw new Error(`layer ${info.layer} ${info.kind}: the pair has no ${A ? 'B' : 'A'} matrix`);
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`layer ${info.layer} ${info.kind}: A is ${A.rows}×${A.cols} but B is ${B.rows}×${B.cols}`);
  if (pair.reread) return diffPair(new PairArrays(A, B, pair.reread, ctx.signal), info, options, ctx);
  return diffPair(new PairArrays({ ...A, data: A.data.slice() }, { ...B, data: B.data.slice() }, fromHeld(A, B), ctx.signal), info, options, ctx);
}

/**
 * The pair's two arrays and what each holds now: A, B, or nothing the diff needs any more (DOCS's
 * normalised vectors, a Gram matrix, Δ once its decomposition has begun). The matrices handed
 * out share the arrays; asking for one that an array no longer holds reads it again.
 */
class PairArrays {
  readonly rows: number;
  readonly cols: number;
  private readonly arrays: [Float32Array, Float32Array];
  private readonly holds: ['A' | 'B' | null, 'A' | 'B' | null] = ['A', 'B'];

  constructor(
    A: Matrix,
    B: Matrix,
    private readonly reread: { A: ReadInto; B: ReadInto },
    private readonly signal?: AbortSignal,
  ) {
    this.rows = A.rows;
    this.cols = A.cols;
    this.arrays = [A.data, B.data];
  }

  /** Bytes of the two arrays, held throughout. */
  get bytes(): number {
    return this.arrays[0].byteLength + this.arrays[1].byteLength;
  }

  /** The array that holds `side`, if one does. */
  find(side: 'A' | 'B'): 0 | 1 | undefined {
    return this.holds[0] === side ? 0 : this.holds[1] === side ? 1 : undefined;
  }

  /** `side` in array `i` (read again there unless it holds it already), as a matrix of the stored shape. */
  async load(i: 0 | 1, side: 'A' | 'B'): Promise<Matrix> {
    if (this.holds[i] !== side) {
      this.holds[i] = null;
      await this.reread[side](this.arrays[i], { signal: this.signal });
      this.holds[i] = side;
    }
    return { rows: this.rows, cols: this.cols, data: this.arrays[i] };
  }

  /** Array `i` to be overwritten (its matrix of the stored shape, whatever it holds). */
  take(i: 0 | 1): Matrix {
    this.holds[i] = null;
    return { rows: this.rows, cols: this.cols, data: this.arrays[i] };
  }

  /**
   * Array `i` as room for the float64 Gram matrix of the other array's matrix (order g = the
   * smaller side), when it fits (not for a square matrix: 8·g² bytes exceed its 4·g²); undefined
   * leaves the decomposition to allocate its own.
   */
  gramRoom(i: 0 | 1): Float64Array | undefined {
    const a = this.arrays[i];
    const g = Math.min(this.rows, this.cols);
    if (a.byteOffset % 8 !== 0 || a.byteLength < 8 * g * g) return undefined;
    this.holds[i] = null;
    return new Float64Array(a.buffer, a.byteOffset, g * g);
  }
}

/**
 * W's compared vectors (its rows, or its columns for a column-oriented role) as unit rows, in W's
 * memory: the form docsOfNormalized compares, prepared as the layer similarity job prepares rows
 * (similarity/compared.ts: unit rows from float64 sums of squares), so that no normalised copy and,
 * for rows, no transpose is made; DOCS equals the float32 kernel's on the oriented matrices up to
 * float32 rounding.
 */
function normalizedInPlace(W: Matrix, side: 'rows' | 'columns'): Matrix {
  return normalizeRowsInPlace(side === 'rows' ? W : transposeInPlace(W));
}

async function diffPair(pair: PairArrays, info: PairInfo, options: MatrixDiffOptions, ctx: { engine?: Engine } & JobContext): Promise<MatrixDiff> {
  const shape: [number, number] = [pair.rows, pair.cols];
  const within = { engine: ctx.engine && budgetLeft(ctx.engine, pair.bytes), signal: ctx.signal };
  const flat = compareFlat((await pair.load(0, 'A')).data, (await pair.load(1, 'B')).data);
  // Equal matrices (Δ = 0): DOCS is exact, B's spectrum is A's, Δ's singular values are zeros.
  const same = flat.normDelta === 0;
  let docs: number | null = null;
  if (options.docs && same) {
    // Every vector's best partner is itself (|cos| = 1), a constant sample whose Gumbel location is
    // 1: the exact value, where float32 cosines would read 1 − 1e-7.
    docs = 1;
  } else if (options.docs) {
    if (!within.engine) throw new Error('DOCS needs the compute engine');
    memoryMark('diff: DOCS');
    const side = resolveOrientation(info.kind);
    const x = normalizedInPlace(pair.take(0), side);
    const y = normalizedInPlace(pair.take(1), side);
    docs = (await docsOfNormalized(within.engine, x, y, { signal: ctx.signal })).docs;
    await yieldToEventLoop();
  }
  let a: SideSpectrum | null = null,
    b: SideSpectrum | null = null,
    change: MatrixDiff['change'] = null;
  if (options.spectra) {
    memoryMark('diff: spectrum of A');
    const A = await pair.load(0, 'A');
    a = await sideSpectrum(A, { ...within, into: pair.gramRoom(1) });
    // An unchanged matrix has the same spectrum: skip the second decomposition.
    memoryMark('diff: spectrum of B');
    b = same ? { ...a } : await sideSpectrum(await pair.load(0, 'B'), { ...within, into: pair.gramRoom(1) });
    change = {
      logNorm: b.logNorm - a.logNorm,
      logSpectralNorm: b.logSpectralNorm - a.logSpectralNorm,
      stableRank: b.stableRank - a.stableRank,
      alpha: b.alpha - a.alpha,
    };
  }
  throwIfCancelled(ctx.signal);
  // Δ = B − A over B's array (the same float32 subtraction as deltaOf), A read beside it.
  memoryMark('diff: delta');
  const d = pair.find('B') ?? 0;
  const o = d === 0 ? 1 : 0;
  let D: Matrix;
  if (same) {
    D = pair.take(d);
    D.data.fill(0);
  } else D = subtractInto(await pair.load(d, 'B'), await pair.load(o, 'A'));
  pair.take(d);
  const histogram = symmetricHistogram(D.data, options.bins, flat.maxAbsDelta);
  // A zero delta has zero singular values: no decomposition needed (and none of its rounding).
  const s = same ? new Float64Array(Math.min(shape[0], shape[1])) : await singularValues(D, { ...within, into: pair.gramRoom(o) });
  throwIfCancelled(ctx.signal);
  return {
    layer: info.layer,
    kind: info.kind,
    shape,
    dtypeA: info.dtypeA,
    dtypeB: info.dtypeB,
    ...flat,
    docs,
    delta: { singularValues: Array.from(s.subarray(0, options.keepSingular)), stableRank: stableRankOf(s), effectiveRank: effectiveRankOf(s), histogram },
    a,
    b,
    change,
  };
}
