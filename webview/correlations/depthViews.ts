/**
 * The correlations panel's "against depth" picture: the head-mean of M1–M5 per layer, with the band
 * that independent random matrices would fall in.
 *
 * The band: for two independent random matrices with i.i.d. zero-mean entries, the Pearson
 * correlation r of their n flattened entries has mean 0 and standard deviation 1/√n (to first
 * order; exactly 1/√(n − 1) for Gaussian entries). The mean over H independent heads then has
 * sd 1/√(n·H), and the band drawn is ±1.96/√(n·H), where 95% of random layers' head-means fall.
 *   - M1, M2, M5 compare a query (or output) head slice, head_dim × hidden, with its kv head's slice:
 *     n = head_dim·hidden, and each of the H query heads brings its own independent slice.
 *   - M3 compares a kv head's k and v slices: n = head_dim·hidden, H = the number of kv heads (query
 *     heads of one group repeat the same value).
 *   - M4 is cc(WqᵀWk, I) of the hidden × hidden product, n = hidden²: with N = hidden² entries the
 *     identity has variance ≈ 1/hidden and cov(P, I) = (mean of diag P − mean of P)/hidden; the
 *     diagonal entries Σᵣ qᵣᵢkᵣᵢ are independent with variance head_dim·σ⁴, so r has sd ≈ 1/hidden
 *     = 1/√n as well.
 * Pure, so it is unit-tested without a DOM.
 */
import type { LayerCorrelations } from '../../src/analysis/methods/correlations/correlations';
import { HEAD_MEASURES, type HeadMeasure } from '../../src/analysis/methods/correlations/names';

/** Two-sided 95% quantile of the standard normal. */
export const Z95 = 1.959963984540054;

export interface HeadMeanPoint {
  measure: HeadMeasure;
  layer: number;
  /** Mean over the heads with a finite value. */
  mean: number;
  heads: number;
  /** ± half-width of the random band at this layer; null when the layer's shapes are unknown. */
  band: number | null;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** sd of the mean over `heads` independent Pearson correlations of `n` entries each: 1/√(n·heads). */
export function randomMeanSd(n: number, heads: number): number {
  return 1 / Math.sqrt(n * heads);
}

/** n (entries compared per head) and H (independent heads) of a measure in one layer, from its shapes; null when unknown. */
export function bandInputs(measure: HeadMeasure, e: LayerCorrelations): { n: number; heads: number } | null {
  const q = e.shapes.q;
  const numHeads = e.heads.length;
  if (!q || numHeads === 0) return null;
  const hidden = q[1];
  const headDim = q[0] / numHeads;
  if (!Number.isInteger(headDim) || headDim <= 0) return null;
  const kvHeads = new Set(e.heads.map((h) => h.kvHead)).size;
  if (measure === 'M4') return { n: hidden * hidden, heads: numHeads };
  if (measure === 'M3') return { n: headDim * hidden, heads: kvHeads };
  return { n: headDim * hidden, heads: numHeads };
}

export function headMeanPoints(entries: readonly LayerCorrelations[]): HeadMeanPoint[] {
  return HEAD_MEASURES.flatMap((measure) =>
    [...entries]
      .sort((a, b) => a.layer - b.layer)
      .flatMap((e): HeadMeanPoint[] => {
        const values = e.heads.map((h) => h[measure]).filter(finite);
        if (!values.length) return [];
        const inputs = bandInputs(measure, e);
        return [
          {
            measure,
            layer: e.layer,
            mean: values.reduce((a, v) => a + v, 0) / values.length,
            heads: values.length,
            band: inputs ? Z95 * randomMeanSd(inputs.n, inputs.heads) : null,
          },
        ];
      }),
  );
}
