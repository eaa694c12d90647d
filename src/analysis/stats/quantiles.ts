/**
 * Quantiles of a tensor's finite values and of their magnitudes |w|, streamed chunk by chunk.
 *
 * Every finite value is counted in one of 65,536 bins keyed by the top 16 bits of its float32
 * pattern, i.e. by its bfloat16 truncation. The bins are ordered like the values, so the rank of
 * every bin edge is known exactly, and each order statistic a quantile needs is located in its bin.
 * Then, per tensor:
 * - **exact**, when every value is a bfloat16 number (BF16 and FP8 checkpoints, at any size): each
 *   bin holds one distinct value;
 * - **exact**, for other tensors up to EXACT_QUANTILE_LIMIT elements (64 M, a 256 MB float32 copy
 *   of the finite values): the values of the few bins holding a needed order statistic are
 *   gathered from the copy and sorted, one pass instead of sorting everything;
 * - **bf16-bins** above that: the order statistic is placed inside its bin by rank, within one
 *   bfloat16 step of the true one (relative error ≤ 2⁻⁷ = 0.78 %), and its rank off by at most the
 *   population of that bin, which is reported (`rankError`).
 * The quantiles follow numpy's default rule (`np.quantile(..., method='linear')`:
 * h = (n − 1)·q, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])).
 * Written here rather than taken from a sketch library (t-digest, KLL): it is deterministic, costs
 * one shift and one increment per value, is exact for the dtype most checkpoints use, and its
 * error is a hard bound instead of a probabilistic one. Two histograms merge by adding counts.
 */

/** The probabilities every quantile table lists: 0, 0.1 %, 1 %, 5 %, 25 %, 50 %, 75 %, 95 %, 99 %, 99.9 %, 100 %. */
export const QUANTILE_PROBS = [0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1] as const;

/** Largest tensor (elements) whose finite values are kept for exact quantiles: 64 M, a 256 MB float32 copy. */
export const EXACT_QUANTILE_LIMIT = 1 << 26;

export interface QuantileTable {
  probs: number[];
  /** Quantiles of the finite values, one per prob. */
  values: number[];
  /** Quantiles of |w| over the finite values. */
  abs: number[];
  /** `exact`: numpy's linear rule on all finite values; `bf16-bins`: placed inside the bf16 bins, within one bfloat16 step. */
  method: 'exact' | 'bf16-bins';
  /** With `bf16-bins` and values that are not all bfloat16 numbers: the largest bin a quantile was read from, as a fraction of the values (its rank error bound). 0 when exact. */
  rankError: number;
  /** Finite values counted. */
  count: number;
}

/** numpy's `method='linear'` quantile of ascending `get(0..n-1)`. */
export function linearQuantile(get: (i: number) => number, n: number, q: number): number {
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = get(lo);
  const f = h - lo;
  return f === 0 ? a : a + f * (get(hi) - a);
}

const KEYS = 1 << 16;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 whose bit pattern is `bits`. */
function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** 65,536 counters, one per bfloat16 pattern of the values (see the file comment). */
export class Bf16BinHistogram {
  readonly counts = new Float64Array(KEYS);
  /** OR of the low 16 bits of every finite value: 0 when all are bfloat16 numbers. */
  private low = 0;

  /** Counts the finite values of a chunk. */
  add(values: Float32Array): void {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const counts = this.counts;
    let low = 0;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i]!;
      // Exponent all ones: NaN or ±Inf, left out.
      if ((b & 0x7f800000) === 0x7f800000) continue;
      counts[b >>> 16]++;
      low |= b & 0xffff;
    }
    this.low |= low;
  }

  merge(other: Bf16BinHistogram): void {
    for (let k = 0; k < KEYS; k++) this.counts[k] += other.counts[k]!;
    this.low |= other.low;
  }

  /** Whether every value counted was a bfloat16 number (then the quantiles are exact). */
  get exact(): boolean {
    return this.low === 0;
  }

  /**
   * The quantiles from the bins. With `finite` (every finite value counted, in any order) they are
   * exact: only the values of the few bins that hold a needed order statistic are gathered and
   * sorted, one pass over `finite` instead of a sort of all of it.
   */
  quantiles(probs: readonly number[] = QUANTILE_PROBS, finite?: Float32Array): QuantileTable {
    const counts = this.counts;
    // Bins in ascending value order: negative patterns from the largest magnitude down, then positive ones up.
    const order: number[] = [];
    for (let k = KEYS - 1; k >= 0x8000; k--) if (counts[k]! > 0) order.push(k);
    for (let k = 0; k < 0x8000; k++) if (counts[k]! > 0) order.push(k);
    // |w| bins: the magnitude patterns with both signs' counts, ascending.
    const absOrder: number[] = [];
    const absCounts = new Float64Array(0x8000);
    for (let k = 0; k < 0x8000; k++) {
      absCounts[k] = counts[k]! + counts[k | 0x8000]!;
      if (absCounts[k]! > 0) absOrder.push(k);
    }
    let n = 0;
    for (const k of order) n += counts[k]!;
    if (n === 0) return { probs: [...probs], values: [], abs: [], method: 'bf16-bins', rankError: 0, count: 0 };
    if (finite && finite.length !== n) throw new Error(`quantiles: ${finite.length} values given for ${n} counted`);
    const ranks = new Set<number>();
    for (const q of probs) {
      const h = Math.floor((n - 1) * q);
      ranks.add(h);
      ranks.add(Math.min(n - 1, h + 1));
    }
    // Each needed rank → its bin and its place inside the bin.
    const locate = (keys: number[], count: (k: number) => number) => {
      const at = new Map<number, { key: number; within: number }>();
      let i = 0,
        before = 0;
      for (const r of [...ranks].sort((a, b) => a - b)) {
        while (before + count(keys[i]!) <= r) before += count(keys[i++]!);
        at.set(r, { key: keys[i]!, within: r - before });
      }
      return at;
    };
    const signed = locate(order, (k) => counts[k]!);
    const magnitude = locate(absOrder, (k) => absCounts[k]!);
    let widest = 0;
    let resolve: (key: number, within: number, abs: boolean) => number;
    if (this.exact) {
      // Every value bfloat16: a bin holds the one value whose low 16 bits are zero.
      resolve = (key) => fromBits(key << 16);
    } else if (finite) {
      const sorted = gatherBins(
        finite,
        counts,
        [...signed.values()].map((l) => l.key),
        [...magnitude.values()].map((l) => l.key),
      );
      resolve = (key, within, abs) => (abs ? sorted.abs.get(key)! : sorted.signed.get(key)!)[within]!;
    } else {
      resolve = (key, within, abs) => {
        const m = abs ? absCounts[key]! : counts[key]!;
        widest = Math.max(widest, m);
        // Spread the bin's m values evenly over its range, in ascending order (a negative bin's
        // pattern | 0xffff is its most negative value).
        const a = fromBits(key << 16),
          b = fromBits((key << 16) | 0xffff);
        const low = Math.min(a, b),
          high = Math.max(a, b);
        return low + ((within + 0.5) / m) * (high - low);
      };
    }
    const valueAt = (r: number) => resolve(signed.get(r)!.key, signed.get(r)!.within, false);
    const absAt = (r: number) => resolve(magnitude.get(r)!.key, magnitude.get(r)!.within, true);
    const values = probs.map((q) => linearQuantile(valueAt, n, q));
    const abs = probs.map((q) => linearQuantile(absAt, n, q));
    const exact = this.exact || finite !== undefined;
    return { probs: [...probs], values, abs, method: exact ? 'exact' : 'bf16-bins', rankError: exact ? 0 : widest / n, count: n };
  }
}

/**
 * The values of the bins `signedKeys` sorted, and the magnitudes of the |w| bins `absKeys` (both
 * signs of each pattern) sorted, gathered in one pass over the finite values.
 */
function gatherBins(
  finite: Float32Array,
  counts: Float64Array,
  signedKeys: number[],
  absKeys: number[],
): { signed: Map<number, Float32Array>; abs: Map<number, Float32Array> } {
  const want = new Uint8Array(KEYS);
  const bins = new Map<number, Float32Array>();
  const fill = new Map<number, number>();
  for (const k of [...signedKeys, ...absKeys.flatMap((m) => [m, m | 0x8000])]) {
    if (want[k]) continue;
    want[k] = 1;
    bins.set(k, new Float32Array(counts[k]!));
    fill.set(k, 0);
  }
  const bits = new Uint32Array(finite.buffer, finite.byteOffset, finite.length);
  for (let i = 0; i < bits.length; i++) {
    const k = bits[i]! >>> 16;
    if (!want[k]) continue;
    const f = fill.get(k)!;
    bins.get(k)![f] = finite[i]!;
    fill.set(k, f + 1);
  }
  const signed = new Map<number, Float32Array>();
  for (const k of signedKeys) signed.set(k, bins.get(k)!.slice().sort());
  const abs = new Map<number, Float32Array>();
  for (const m of absKeys) {
    const pos = bins.get(m)!,
      neg = bins.get(m | 0x8000)!;
    const both = new Float32Array(pos.length + neg.length);
    both.set(pos);
    for (let i = 0; i < neg.length; i++) both[pos.length + i] = -neg[i]!;
    abs.set(m, both.sort());
  }
  return { signed, abs };
}
