/**
 * The diff of one pair of weight matrices A (base) and B (changed), both `[out, in]` float32:
 * relative change and cosine (metrics.ts), DOCS(A, B) in the role's neuron orientation
 * (docs.ts), the singular values of Δ = B − A with its stable and effective rank, and how the
 * spectral metrics of A and B differ (spectrum.ts's metricsFrom on each side's singular values).
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { budgetLeft, heldBytes } from '../../jobs/memoryBudget';
import { transpose, transposeInto, type Matrix } from '../../linalg/matrix';
import { memoryMark } from '../../linalg/memoryMarks';
import { singularValues } from '../../linalg/svd';
import type { ExpertSelector, MatrixKind } from '../../model/types';
import { docsSimilarity, orientForDocs, resolveOrientation } from '../similarity/docs';
import { compareFlat, effectiveRankOf, subtractInto, stableRankOf, symmetricHistogram, type FlatComparison, type HistogramBin } from './metrics';
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

async function sideSpectrum(W: Matrix, ctx: { engine?: Engine } & JobContext): Promise<SideSpectrum> {
  // WeightWatcher's α fit, the spectra analysis's default, so the diff's α equals the spectra panel's.
  const m = metricsFrom(await singularValues(W, ctx), 'ww');
  return { logNorm: m.logNorm, logSpectralNorm: m.logSpectralNorm, stableRank: m.stableRank, alpha: m.alpha.alpha, alphaReliable: m.alpha.reliable };
}

/** The diff of A and B, which stay as they are (B is copied for the delta); runDiff hands its pairs over with diffMatrixPair. */
export function diffMatrices(A: Matrix, B: Matrix, info: PairInfo, options: MatrixDiffOptions, ctx: { engine?: Engine } & JobContext): Promise<MatrixDiff> {
  return diffPair({ A, B: { rows: B.rows, cols: B.cols, data: B.data.slice() } }, false, info, options, ctx);
}

/**
 * The two matrices of a pair, handed over: diffMatrixPair takes them out of the box and lets each go
 * as soon as it is done with it, so that the caller holds no reference that keeps them alive.
 */
export interface MatrixPair {
  A?: Matrix;
  B?: Matrix;
}

/**
 * Memory (a 70B model's up_proj is 940 MB as float32): A and B while their cosine, DOCS and spectra
 * are computed (for a row-oriented DOCS each is replaced by its transpose, which has the same
 * singular values: Aᵀ in a new array, Bᵀ in A's), then Δ = B − A written over B and A let go, so
 * Δ's decomposition runs beside one matrix, not three. The kernels get the memory budget less the
 * matrices held, and DOCS also less B's old storage, which may not be collected yet.
 */
export function diffMatrixPair(pair: MatrixPair, info: PairInfo, options: MatrixDiffOptions, ctx: { engine?: Engine } & JobContext): Promise<MatrixDiff> {
  return diffPair(pair, true, info, options, ctx);
}

/** ownsA: A's storage is the pair's to reuse (handed over) rather than the caller's. */
async function diffPair(
  pair: MatrixPair,
  ownsA: boolean,
  info: PairInfo,
  options: MatrixDiffOptions,
  ctx: { engine?: Engine } & JobContext,
): Promise<MatrixDiff> {
  let A = pair.A,
    B = pair.B;
  pair.A = pair.B = undefined;
  if (!A || !B) throw new Error(`layer ${info.layer} ${info.kind}: the pair has no ${A ? 'B' : 'A'} matrix`);
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`layer ${info.layer} ${info.kind}: A is ${A.rows}×${A.cols} but B is ${B.rows}×${B.cols}`);
  const shape: [number, number] = [A.rows, A.cols];
  const within = (held: number) => ({ engine: ctx.engine && budgetLeft(ctx.engine, held), signal: ctx.signal });
  const flat = compareFlat(A.data, B.data);
  let docs: number | null = null;
  if (options.docs && flat.normDelta === 0) {
    // Every vector's best partner is itself (|cos| = 1), a constant sample whose Gumbel location is
    // 1: the exact value, where float32 cosines would read 1 − 1e-7.
    docs = 1;
  } else if (options.docs) {
    if (!ctx.engine) throw new Error('DOCS needs the compute engine');
    const side = resolveOrientation(info.kind);
    // The originals that may still be resident beside the transposes while DOCS runs: garbage
    // collection frees them when it runs, not when they are let go.
    let stale = 0;
    if (side === 'rows') {
      // Aᵀ in a new array, then Bᵀ in A's storage when it is ours: three matrices at most, not four.
      // The spectra below take the transposes.
      const At = transpose(A);
      B = ownsA ? transposeInto(B, A.data) : transpose(B);
      stale = heldBytes(B) * (ownsA ? 1 : 2);
      A = At;
    } else {
      A = orientForDocs(A, side);
      B = orientForDocs(B, side);
    }
    memoryMark('diff: DOCS');
    docs = (await docsSimilarity(within(heldBytes(A, B) + stale).engine!, A, B, { signal: ctx.signal })).docs;
    await yieldToEventLoop();
  }
  let a: SideSpectrum | null = null,
    b: SideSpectrum | null = null,
    change: MatrixDiff['change'] = null;
  if (options.spectra) {
    memoryMark('diff: spectrum of A');
    a = await sideSpectrum(A, within(heldBytes(A, B)));
    // An unchanged matrix has the same spectrum: skip the second decomposition.
    memoryMark('diff: spectrum of B');
    b = flat.normDelta > 0 ? await sideSpectrum(B, within(heldBytes(A, B))) : { ...a };
    change = {
      logNorm: b.logNorm - a.logNorm,
      logSpectralNorm: b.logSpectralNorm - a.logSpectralNorm,
      stableRank: b.stableRank - a.stableRank,
      alpha: b.alpha - a.alpha,
    };
  }
  throwIfCancelled(ctx.signal);
  // Δ = B − A over B's storage (the same float32 subtraction as deltaOf); A is not needed after this.
  memoryMark('diff: delta');
  const D = subtractInto(B, A);
  A = B = undefined;
  // A zero delta has zero singular values: no decomposition needed (and none of its rounding).
  const s = flat.normDelta > 0 ? await singularValues(D, within(heldBytes(D))) : new Float64Array(Math.min(shape[0], shape[1]));
  throwIfCancelled(ctx.signal);
  const histogram = symmetricHistogram(D.data, options.bins, flat.maxAbsDelta);
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
