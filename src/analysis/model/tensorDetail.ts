/**
 * What the model editor shows beyond the basic statistics of one tensor: quantiles of w and |w|,
 * the 20 largest |w| with their coordinates, the count of |w| > 6σ (per column cell for a
 * matrix), and the |W| image of a matrix or of each slice of a stacked expert tensor. All are
 * filled in by one streamed pass (tensorStats' second pass), chunk by chunk.
 */
import type { DType } from '../io/dtypes';
import { Bf16BinHistogram, EXACT_QUANTILE_LIMIT, QUANTILE_PROBS, type QuantileTable } from '../stats/quantiles';
import { TopAbs, type Outlier } from '../stats/topOutliers';
import { hasImage, WeightImageAccumulator, type WeightImage } from '../stats/weightImage';

/** How many of the largest |w| are listed. */
export const TOP_OUTLIERS = 20;
/** |w| > OUTLIER_SIGMAS·σ counts as an outlier. */
export const OUTLIER_SIGMAS = 6;

export interface TensorDetail {
  quantiles: QuantileTable;
  /** The largest |w|, largest first, with coordinates in the tensor's shape. */
  top: Outlier[];
  /** 6σ, σ the population standard deviation of the finite values. */
  outlierThreshold: number;
  /** Finite entries with |w| > outlierThreshold. */
  outlierCount: number;
  /** Matrices and 3-D stacks of matrices only. */
  image?: WeightImage;
}

/** Every value of these dtypes is a bfloat16 number, so the bf16-bin histogram is exact for them at any size. */
function bf16Exact(dtype: DType): boolean {
  return dtype === 'BF16' || dtype.startsWith('F8_');
}

export class TensorDetailScan {
  private readonly histogram = new Bf16BinHistogram();
  private readonly top = new TopAbs(TOP_OUTLIERS);
  private readonly image: WeightImageAccumulator | undefined;
  private readonly threshold: number;
  /** The finite values, for exact quantiles of a tensor small enough to sort (absent otherwise). */
  private copy: Float32Array | undefined;
  private filled = 0;
  private outliers = 0;

  /**
   * @param decodedDtype the dtype of the values streamed (F32 for a quantized weight's decoded values).
   * @param sigma population standard deviation of the finite values.
   */
  constructor(
    private readonly shape: readonly number[],
    count: number,
    decodedDtype: DType,
    sigma: number,
  ) {
    this.threshold = OUTLIER_SIGMAS * sigma;
    this.image = hasImage(shape) ? new WeightImageAccumulator(shape, this.threshold) : undefined;
    if (count <= EXACT_QUANTILE_LIMIT && !bf16Exact(decodedDtype)) this.copy = new Float32Array(count);
  }

  /** The values at flat indices first … first + values.length − 1 (chunks arrive in order). */
  add(values: Float32Array, first: number): void {
    this.histogram.add(values);
    if (this.copy) {
      const copy = this.copy;
      let f = this.filled;
      for (let i = 0; i < values.length; i++) {
        const x = values[i]!;
        if (x - x === 0) copy[f++] = x;
      }
      this.filled = f;
    }
    if (this.image) {
      this.image.add(values, first, this.top);
      return;
    }
    const top = this.top;
    const threshold = this.threshold;
    let outliers = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x - x !== 0) continue;
      const a = x < 0 ? -x : x;
      if (a > threshold) outliers++;
      if (a > top.floor) top.offer(x, first + i);
    }
    this.outliers += outliers;
  }

  result(): TensorDetail {
    // Exact when every value is bfloat16, or when the finite values were kept; else within one bf16 bin.
    const quantiles = this.histogram.quantiles(QUANTILE_PROBS, this.copy && !this.histogram.exact ? this.copy.subarray(0, this.filled) : undefined);
    this.copy = undefined;
    const image = this.image?.result();
    const outlierCount = image ? image.outliersPerColumnCell.reduce((a, b) => a + b, 0) : this.outliers;
    return {
      quantiles,
      top: this.top.result(this.shape),
      outlierThreshold: this.threshold,
      outlierCount,
      ...(image ? { image } : {}),
    };
  }
}
