/**
 * The baseline similarity indices shown beside DOCS (spec §1), for two matrices X, Y (n×m) in the
 * same orientation as DOCS: columns are the units (neurons), rows the coordinates they live in.
 * Following Kornblith et al. (2019), the rows play the part of "examples": representation
 * indices centre each column over the rows and are invariant to orthogonal maps of the columns,
 * which is why CKA and Procrustes are exactly 1 for any two orthogonal matrices while DOCS is not.
 *
 * - pearson, cosine: of the flattened weights (element i of X against element i of Y);
 * - r2: Pearson² of the flattened weights (the R² of a least-squares line through the pairs of
 *   entries; kept under its honest name, it is not the paper's regression index);
 * - linreg: the linear regression index of the DOCS paper (after Kornblith et al. 2019): how well
 *   one matrix's centred columns are fitted by linear combinations of the other's,
 *   R²(X←Y) = ‖Q_Yᵀ X̃‖²_F / ‖X̃‖²_F with Q_Y an orthonormal basis of Ỹ's column space; the value is
 *   the mean of both directions. It is 1 whenever Ỹ spans
 *   every centred direction (m ≥ n − 1 independent units);
 * - cka: linear CKA = ‖X̃ᵀỸ‖²_F / (‖X̃ᵀX̃‖_F·‖ỸᵀỸ‖_F), X̃ = X with centred columns;
 * - hsic: linear HSIC = ‖X̃ᵀỸ‖²_F / (n − 1)², CKA's unnormalised numerator (Gretton et al. 2005;
 *   Kornblith et al. 2019, eq. 3 with linear kernels);
 * - cca: R²_CCA = Σρᵢ² / min(r_X, r_Y), the mean squared canonical correlation between X̃ and Ỹ
 *   (Kornblith et al. 2019, Table 1), ρᵢ the singular values of Q_Xᵀ Q_Y over the full numerical
 *   ranks; the mean ρ̄ = Σρᵢ / min(r_X, r_Y) goes beside it. Like linreg it is 1 as soon as both
 *   span every centred direction;
 * - svcca: keep the leading left singular directions of X̃ that explain 99% of its variance (same
 *   for Ỹ), then the mean canonical correlation between the two reduced representations;
 * - pwcca: projection-weighted CCA (Morcos et al. 2018): ρ̄_PW = Σ αᵢρᵢ / Σ αᵢ with
 *   αᵢ = Σ_j |⟨hᵢ, x̃_j⟩|, hᵢ the i-th canonical variable of X̃ (unit norm) and x̃_j its columns — how
 *   much of X's units each canonical direction accounts for; weighted by X's side and by Y's, the
 *   value is the mean of the two (the directions are reported too);
 * - procrustes: ‖X̃ᵀỸ‖_* / (‖X̃‖_F·‖Ỹ‖_F) = 1 − d²/2 for the orthogonal Procrustes distance d
 *   between the unit-norm centred matrices.
 * Linear regression, SVCCA and Procrustes need one SVD per matrix (through the eigen helper) and
 * one product per pair: they are the "heavy" indices, which a whole-model job computes last.
 */
import type { Engine } from '../../engine/engine';
import { gram } from '../../engine/kernels/gram';
import { matmul } from '../../engine/kernels/matmul';
import { pearson } from '../../engine/kernels/pearson';
import type { JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { singularValues, svd } from '../../linalg/svd';
import type { Matrix64 } from '../../linalg/matrix';
import { HEAVY_INDICES, type SimilarityIndex } from './names';

export { SIMILARITY_INDICES, DEFAULT_INDICES, INDEX_LABELS, HEAVY_INDICES, parseIndex, type SimilarityIndex } from './names';
export type IndexValues = Partial<Record<SimilarityIndex, number>>;

/** What an index value summarises: linear regression's and PWCCA's two directions (A from B, B from A), CCA's mean ρ. */
export interface IndexDetails {
  linreg?: [number, number];
  ccaMeanRho?: number;
  pwcca?: [number, number];
}

/** Share of the variance SVCCA keeps (Raghu et al. 2017). */
export const SVCCA_VARIANCE = 0.99;
/** Singular values below this fraction of the largest are treated as zero (float32 data). */
const RANK_TOLERANCE = 1e-5;

/** Cosine of the flattened matrices, float64 accumulation; NaN when one is all zeros. */
export function flatCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: the tensors have different sizes (${a.length} and ${b.length} values)`);
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa === 0 || bb === 0) return NaN;
  return Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

/** R² of the least-squares line y ≈ α + β·x over the flattened matrices (equals Pearson's r²). */
export function flatR2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const r = pearson(a, b);
  return r * r;
}

/** X with each column's mean over the rows subtracted (means in float64). */
export function centreColumns(x: Matrix): Matrix {
  const { rows, cols } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += x.data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = x.data[i * cols + j] - mean[j];
  return { rows, cols, data: out };
}

function sumOfSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

function sumOfProducts(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const clampUnit = (v: number) => (Number.isNaN(v) ? v : Math.max(0, Math.min(1, v)));

/**
 * What linear CKA needs of one matrix. ‖X̃ᵀỸ‖²_F = Σ (X̃X̃ᵀ) ⊙ (ỸỸᵀ), so when n ≤ m the n×n Gram of
 * each matrix is kept and a pair costs O(n²); when n > m the centred matrix is kept instead and a
 * pair costs one m×m product.
 */
export interface CkaFeatures {
  rows: number;
  cols: number;
  /** X̃X̃ᵀ (n×n), when n ≤ m. */
  rowGram?: Float32Array;
  /** X̃ itself, when n > m. */
  centred?: Matrix;
  /** ‖X̃ᵀX̃‖_F = ‖X̃X̃ᵀ‖_F. */
  selfNorm: number;
}

/** ‖X̃ᵀỸ‖²_F from both matrices' CKA features. */
async function ckaCross(engine: Engine, a: CkaFeatures, b: CkaFeatures): Promise<number> {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`CKA needs matrices of the same shape; got ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  if (a.rowGram && b.rowGram) return sumOfProducts(a.rowGram, b.rowGram);
  return sumOfSquares((await matmul(engine, a.centred as Matrix, b.centred as Matrix, { transA: true })).data);
}

/** Linear HSIC, ‖X̃ᵀỸ‖²_F / (n − 1)², n the number of rows (the "examples"). */
export async function linearHsic(engine: Engine, a: CkaFeatures, b: CkaFeatures): Promise<number> {
  if (a.rows < 2) return NaN;
  return (await ckaCross(engine, a, b)) / (a.rows - 1) ** 2;
}

export async function ckaFeatures(engine: Engine, centred: Matrix): Promise<CkaFeatures> {
  const { rows, cols } = centred;
  if (rows <= cols) {
    const g = await gram(engine, centred, 'rows');
    return { rows, cols, rowGram: g.data, selfNorm: Math.sqrt(sumOfSquares(g.data)) };
  }
  const g = await gram(engine, centred, 'cols');
  return { rows, cols, centred, selfNorm: Math.sqrt(sumOfSquares(g.data)) };
}

export async function linearCka(engine: Engine, a: CkaFeatures, b: CkaFeatures): Promise<number> {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`CKA needs matrices of the same shape; got ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  if (a.selfNorm === 0 || b.selfNorm === 0) return NaN; // a matrix with constant columns has no centred structure
  return clampUnit((await ckaCross(engine, a, b)) / (a.selfNorm * b.selfNorm));
}

/** What SVCCA and Procrustes need of one matrix: the thin SVD of X̃, truncated at numerical rank. */
export interface SpectralFeatures {
  rows: number;
  /** n×r, column i the left singular vector of sigma[i]. */
  basis: Matrix;
  /** The r singular values above the rank tolerance, descending. */
  sigma: Float64Array;
  /** How many leading directions SVCCA keeps (≥ SVCCA_VARIANCE of Σσ²). */
  svccaRank: number;
  /** ‖X̃‖_F. */
  frobenius: number;
  /** U_Xᵀ X̃ = Σ_X V_Xᵀ (r×m): each unit's coordinates in the basis, kept for PWCCA's weights. */
  projected?: Matrix;
}

export async function spectralFeatures(engine: Engine, centred: Matrix, ctx: JobContext & { pwcca?: boolean } = {}): Promise<SpectralFeatures> {
  const { s, U } = await svd(centred, { left: true, engine, signal: ctx.signal });
  const n = centred.rows,
    k = U?.cols ?? 0;
  let r = 0;
  while (r < s.length && s[r] > RANK_TOLERANCE * s[0]) r++;
  const basis = new Float32Array(n * r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) basis[i * r + c] = (U as { data: Float64Array }).data[i * k + c];
  const sigma = s.slice(0, r);
  const total = sumOfSquares(sigma);
  let svccaRank = 0,
    kept = 0;
  while (svccaRank < r && kept < SVCCA_VARIANCE * total) {
    kept += sigma[svccaRank] ** 2;
    svccaRank++;
  }
  const out: SpectralFeatures = { rows: n, basis: { rows: n, cols: r, data: basis }, sigma, svccaRank, frobenius: Math.sqrt(sumOfSquares(s)) };
  if (ctx.pwcca) out.projected = await matmul(engine, out.basis, centred, { transA: true });
  return out;
}

/**
 * SVCCA and Procrustes of a pair from one product G = U_Xᵀ·U_Y: the canonical correlations of the
 * truncated representations are the singular values of G's leading svccaRank_X × svccaRank_Y
 * block, and X̃ᵀỸ has the singular values of diag(σ_X)·G·diag(σ_Y).
 */
export async function svccaProcrustes(
  engine: Engine,
  a: SpectralFeatures,
  b: SpectralFeatures,
  ctx: JobContext & { cca?: boolean; pwcca?: boolean } = {},
): Promise<SpectralIndices> {
  if (a.rows !== b.rows) throw new Error(`SVCCA/Procrustes need vectors of the same length; got ${a.rows} and ${b.rows}`);
  const ra = a.sigma.length,
    rb = b.sigma.length;
  if (ra === 0 || rb === 0) return { svcca: NaN, procrustes: NaN, linreg: [NaN, NaN], cca: NaN, ccaMeanRho: NaN, pwcca: [NaN, NaN] };
  const g = await matmul(engine, a.basis, b.basis, { transA: true });
  // X̃ = U_X Σ_X V_Xᵀ, so ‖U_Yᵀ X̃‖²_F = ‖Gᵀ Σ_X‖²_F = Σ_i σ_X,i² Σ_j G_ij², and the other way round.
  let xFromY = 0,
    yFromX = 0;
  for (let i = 0; i < ra; i++) {
    for (let j = 0; j < rb; j++) {
      const gij = g.data[i * rb + j] ** 2;
      xFromY += a.sigma[i] ** 2 * gij;
      yFromX += b.sigma[j] ** 2 * gij;
    }
  }
  const linreg: [number, number] = [clampUnit(xFromY / a.frobenius ** 2), clampUnit(yFromX / b.frobenius ** 2)];
  const scaled = new Float32Array(ra * rb);
  for (let i = 0; i < ra; i++) for (let j = 0; j < rb; j++) scaled[i * rb + j] = a.sigma[i] * g.data[i * rb + j] * b.sigma[j];
  const nuclear = sum(await singularValues({ rows: ra, cols: rb, data: scaled }, { engine, signal: ctx.signal }));
  const ka = a.svccaRank,
    kb = b.svccaRank;
  const block = new Float32Array(ka * kb);
  for (let i = 0; i < ka; i++) block.set(g.data.subarray(i * rb, i * rb + kb), i * kb);
  const correlations = await singularValues({ rows: ka, cols: kb, data: block }, { engine, signal: ctx.signal });
  const out: SpectralIndices = {
    svcca: clampUnit(sum(correlations) / Math.min(ka, kb)),
    procrustes: clampUnit(nuclear / (a.frobenius * b.frobenius)),
    linreg,
  };
  if (ctx.cca || ctx.pwcca) {
    // Canonical correlations over the full ranks: G = P·diag(ρ)·Qᵀ; X's canonical variables are U_X·P.
    const k = Math.min(ra, rb);
    const full = await svd(g, { engine, signal: ctx.signal, left: !!ctx.pwcca, right: !!ctx.pwcca, k });
    const rho = Array.from(full.s.subarray(0, k), (v) => Math.min(1, v));
    out.cca = clampUnit(rho.reduce((s, v) => s + v * v, 0) / k);
    out.ccaMeanRho = clampUnit(sum(rho) / k);
    if (ctx.pwcca) {
      if (!a.projected || !b.projected) throw new Error('PWCCA requested but its projections were not prepared');
      out.pwcca = [
        await projectionWeighted(engine, full.U as Matrix64, a.projected, rho),
        await projectionWeighted(engine, full.V as Matrix64, b.projected, rho),
      ];
    }
  }
  return out;
}

/** What the spectral pass gives for a pair; cca and pwcca only when asked for. */
export interface SpectralIndices {
  svcca: number;
  procrustes: number;
  /** R²(X←Y), R²(Y←X). */
  linreg: [number, number];
  cca?: number;
  ccaMeanRho?: number;
  /** Weighted by X's units, by Y's. */
  pwcca?: [number, number];
}

/**
 * Σ αᵢρᵢ / Σ αᵢ with αᵢ = Σ_j |(Pᵀ·W)_ij|: `vectors` holds the canonical directions in the basis
 * (columns of P, r×k) and `projected` = U_Xᵀ X̃ (r×m), so Pᵀ·W has row i = ⟨hᵢ, x̃_j⟩ over the units j.
 */
async function projectionWeighted(engine: Engine, vectors: Matrix64, projected: Matrix, rho: readonly number[]): Promise<number> {
  const k = rho.length;
  const p = new Float32Array(vectors.rows * k);
  for (let i = 0; i < vectors.rows; i++) for (let c = 0; c < k; c++) p[i * k + c] = vectors.data[i * vectors.cols + c];
  const h = await matmul(engine, { rows: vectors.rows, cols: k, data: p }, projected, { transA: true });
  let num = 0,
    den = 0;
  for (let i = 0; i < k; i++) {
    let alpha = 0;
    for (let j = 0; j < h.cols; j++) alpha += Math.abs(h.data[i * h.cols + j]);
    num += alpha * rho[i];
    den += alpha;
  }
  return den > 0 ? clampUnit(num / den) : NaN;
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

/** Per-matrix work for the requested indices, done once per layer by the whole-model job. */
export interface IndexFeatures {
  cka?: CkaFeatures;
  spectral?: SpectralFeatures;
}

export async function prepareIndexFeatures(engine: Engine, x: Matrix, indices: readonly SimilarityIndex[], ctx: JobContext = {}): Promise<IndexFeatures> {
  const wantsCka = indices.includes('cka') || indices.includes('hsic');
  const wantsSpectral = indices.some((i) => HEAVY_INDICES.has(i));
  if (!wantsCka && !wantsSpectral) return {};
  const centred = centreColumns(x);
  return {
    cka: wantsCka ? await ckaFeatures(engine, centred) : undefined,
    spectral: wantsSpectral ? await spectralFeatures(engine, centred, { ...ctx, pwcca: indices.includes('pwcca') }) : undefined,
  };
}

/**
 * The requested baseline indices (never 'docs': see docs.ts) of two matrices of equal shape, from
 * their data and their prepared features.
 */
export async function baselineIndices(
  engine: Engine,
  x: Matrix,
  fx: IndexFeatures,
  y: Matrix,
  fy: IndexFeatures,
  indices: readonly SimilarityIndex[],
  ctx: JobContext = {},
  /** Filled with the directions and mean ρ behind linreg, cca and pwcca, when given. */
  details: IndexDetails = {},
): Promise<IndexValues> {
  if (x.rows !== y.rows || x.cols !== y.cols)
    throw new Error(`Similarity indices need matrices of the same shape; got ${x.rows}×${x.cols} and ${y.rows}×${y.cols}`);
  const out: IndexValues = {};
  if (indices.includes('pearson')) out.pearson = pearson(x.data, y.data);
  if (indices.includes('cosine')) out.cosine = flatCosine(x.data, y.data);
  if (indices.includes('r2')) out.r2 = flatR2(x.data, y.data);
  if (indices.includes('cka') || indices.includes('hsic')) {
    if (!fx.cka || !fy.cka) throw new Error('CKA/HSIC requested but their features were not prepared');
    if (indices.includes('cka')) out.cka = await linearCka(engine, fx.cka, fy.cka);
    if (indices.includes('hsic')) out.hsic = await linearHsic(engine, fx.cka, fy.cka);
  }
  if (indices.some((i) => HEAVY_INDICES.has(i))) {
    if (!fx.spectral || !fy.spectral) throw new Error('SVCCA/Procrustes/linear regression requested but their features were not prepared');
    const r = await svccaProcrustes(engine, fx.spectral, fy.spectral, { ...ctx, cca: indices.includes('cca'), pwcca: indices.includes('pwcca') });
    if (indices.includes('svcca')) out.svcca = r.svcca;
    if (indices.includes('procrustes')) out.procrustes = r.procrustes;
    if (indices.includes('linreg')) {
      out.linreg = (r.linreg[0] + r.linreg[1]) / 2;
      details.linreg = r.linreg;
    }
    if (indices.includes('cca')) {
      out.cca = r.cca;
      details.ccaMeanRho = r.ccaMeanRho;
    }
    if (indices.includes('pwcca') && r.pwcca) {
      out.pwcca = (r.pwcca[0] + r.pwcca[1]) / 2;
      details.pwcca = r.pwcca;
    }
  }
  return out;
}

/** Every requested baseline of two matrices in one call (tests, CLI on two tensors). */
export async function compareMatrices(
  engine: Engine,
  x: Matrix,
  y: Matrix,
  indices: readonly SimilarityIndex[],
  ctx: JobContext = {},
  details: IndexDetails = {},
): Promise<IndexValues> {
  const fx = await prepareIndexFeatures(engine, x, indices, ctx);
  const fy = await prepareIndexFeatures(engine, y, indices, ctx);
  return baselineIndices(engine, x, fx, y, fy, indices, ctx, details);
}
