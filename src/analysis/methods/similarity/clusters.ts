/**
 * Clusters of layers: contiguous runs of layers that are all similar to one another, the
 * block-diagonal structure DOCS heatmaps show in trained LLMs (Min & Wang 2025).
 *
 * Rule (deterministic, stated with every result):
 * - Threshold τ: given by the user, or else Otsu's threshold of the pair values — the cut that
 *   best separates them into a "similar" and a "background" group (maximum between-group
 *   variance), placed halfway between the two values it falls between. Otsu always finds a cut,
 *   even in noise, so an automatic τ is used only when the split is clear: its separability
 *   η = between-group / total variance is ≥ MIN_SEPARABILITY (a normal sample gives ≈ 0.64, a
 *   uniform one 0.75, two tight groups → 1) and the two groups' means differ by at least
 *   MIN_GROUP_GAP (two tight groups 0.72 and 0.74 are perfectly separable, yet that difference is
 *   no "block of similar layers"), and it is never below `floor` (for DOCS: just above what two
 *   unrelated random matrices of this shape score).
 * - Layers are visited in order; a layer joins the current block when its similarity to EVERY
 *   layer already in the block is ≥ τ (with adjacent pairs only: to the block's last layer);
 *   otherwise it starts a new block. A missing or not-comparable pair counts as below τ.
 * - Blocks of two or more layers are the clusters.
 * Pure (no Node imports): the similarity panel runs it too, for whichever index is shown.
 */

export interface LayerCluster {
  /** Positions in the layer list (inclusive). */
  first: number;
  last: number;
  /** Mean similarity over the computed pairs inside the cluster. */
  mean: number;
}

export interface ClusterResult {
  clusters: LayerCluster[];
  /** τ; NaN when no automatic threshold was clear enough (then there are no clusters). */
  threshold: number;
  thresholdRule: 'user' | 'otsu' | 'no clear split';
  /** η of Otsu's cut (NaN with a user threshold or fewer than two distinct values). */
  separability: number;
  /** Mean of the values above Otsu's cut minus the mean of those below (NaN as for η). */
  gap?: number;
  /** The floor that applied to an automatic threshold (see clusterFloor). */
  floor?: number;
  rule: string;
}

/** Smallest η for which an automatic threshold is trusted. */
export const MIN_SEPARABILITY = 0.8;
/** Smallest difference of the two groups' means (in the index's units) for an automatic threshold. */
export const MIN_GROUP_GAP = 0.05;

export const CLUSTER_RULE_ALL = 'contiguous layers whose every pairwise similarity is ≥ τ (greedy, first layer first)';
export const CLUSTER_RULE_ADJACENT = 'contiguous layers whose each adjacent-pair similarity is ≥ τ';

/**
 * Otsu's threshold of a list of values, halfway between the two sorted values where the split
 * maximises w₀·w₁·(μ₀ − μ₁)², with its separability η = that maximum / the total variance and the
 * gap μ₁ − μ₀ between the groups' means.
 * NaN threshold when there are no finite values; the value itself (η, gap NaN) when all are equal.
 */
export function otsuThreshold(values: readonly number[]): { threshold: number; separability: number; gap: number } {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { threshold: NaN, separability: NaN, gap: NaN };
  if (v[0] === v[v.length - 1]) return { threshold: v[0], separability: NaN, gap: NaN };
  const total = v.reduce((s, x) => s + x, 0);
  const mean = total / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  let best = -1,
    cut = 1,
    below = 0,
    gap = NaN;
  for (let k = 1; k < v.length; k++) {
    below += v[k - 1];
    if (v[k] === v[k - 1]) continue; // a threshold cannot separate equal values
    const w0 = k / v.length,
      w1 = 1 - w0;
    const difference = (total - below) / (v.length - k) - below / k;
    const between = w0 * w1 * difference ** 2;
    if (between > best) {
      best = between;
      cut = k;
      gap = difference;
    }
  }
  return { threshold: 0.5 * (v[cut - 1] + v[cut]), separability: variance > 0 ? best / variance : NaN, gap };
}

/**
 * Clusters among `count` layers in order, with `similarity(a, b)` for positions a < b (NaN or
 * undefined when the pair was not computed or is not comparable).
 */
export function findClusters(
  count: number,
  similarity: (a: number, b: number) => number | undefined,
  opts: { adjacentOnly?: boolean; threshold?: number; floor?: number } = {},
): ClusterResult {
  const adjacentOnly = !!opts.adjacentOnly;
  const values: number[] = [];
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      if (adjacentOnly && b !== a + 1) break;
      const s = similarity(a, b);
      if (s !== undefined && Number.isFinite(s)) values.push(s);
    }
  }
  const user = opts.threshold !== undefined;
  if (user && !Number.isFinite(opts.threshold)) throw new Error(`Cluster threshold must be a finite number, got ${opts.threshold}`);
  const rule = adjacentOnly ? CLUSTER_RULE_ADJACENT : CLUSTER_RULE_ALL;
  const clusters: LayerCluster[] = [];
  let threshold: number,
    separability = NaN,
    gap: number | undefined,
    thresholdRule: ClusterResult['thresholdRule'] = 'user';
  if (user) threshold = opts.threshold as number;
  else {
    ({ threshold, separability, gap } = otsuThreshold(values));
    thresholdRule = 'otsu';
    // All values equal: one block if they pass the floor. Otherwise the cut must be clear, and
    // between groups whose means differ by at least MIN_GROUP_GAP.
    if (Number.isFinite(separability) && (separability < MIN_SEPARABILITY || !(gap >= MIN_GROUP_GAP))) threshold = NaN;
    if (Number.isFinite(threshold) && opts.floor !== undefined) threshold = Math.max(threshold, opts.floor);
    if (!Number.isFinite(threshold)) thresholdRule = 'no clear split';
  }
  const floor = user ? undefined : opts.floor;
  if (!Number.isFinite(threshold)) return { clusters, threshold, thresholdRule, separability, gap, floor, rule };
  const high = (a: number, b: number) => {
    const s = similarity(a, b);
    return s !== undefined && Number.isFinite(s) && s >= threshold;
  };
  let start = 0;
  const close = (end: number) => {
    if (end > start) clusters.push({ first: start, last: end, mean: meanInside(start, end, similarity, adjacentOnly) });
  };
  for (let c = 1; c < count; c++) {
    const joins = adjacentOnly ? high(c - 1, c) : everyInBlock(start, c, high);
    if (!joins) {
      close(c - 1);
      start = c;
    }
  }
  if (count > 0) close(count - 1);
  return { clusters, threshold, thresholdRule, separability, gap, floor, rule };
}

function everyInBlock(start: number, c: number, high: (a: number, b: number) => boolean): boolean {
  for (let t = start; t < c; t++) if (!high(t, c)) return false;
  return true;
}

function meanInside(first: number, last: number, similarity: (a: number, b: number) => number | undefined, adjacentOnly: boolean): number {
  let sum = 0,
    n = 0;
  for (let a = first; a <= last; a++) {
    for (let b = a + 1; b <= last; b++) {
      if (adjacentOnly && b !== a + 1) break;
      const s = similarity(a, b);
      if (s !== undefined && Number.isFinite(s)) {
        sum += s;
        n++;
      }
    }
  }
  return n ? sum / n : NaN;
}

/**
 * The floor of an automatic threshold for an index: for DOCS, 10% above the score of two
 * unrelated Gaussian matrices of the layers' shape (chanceLevel.ts), so that layers
 * that are merely "as similar as random" never form a cluster; none for the baselines.
 */
export const DOCS_FLOOR_FACTOR = 1.1;
export function clusterFloor(index: string, docsChance: number | undefined): number | undefined {
  return index === 'docs' && docsChance !== undefined && Number.isFinite(docsChance) ? DOCS_FLOOR_FACTOR * docsChance : undefined;
}

/** How the threshold was chosen, in one phrase (CLI table, panel caption). */
export function describeThreshold(c: ClusterResult): string {
  const f = (v: number) => v.toFixed(3);
  const eta = Number.isFinite(c.separability) ? `separability η = ${c.separability.toFixed(2)}` : '';
  if (c.thresholdRule === 'user') return `τ = ${f(c.threshold)}, set by hand`;
  if (c.thresholdRule === 'no clear split') {
    if (!eta) return 'no clear split into similar and background layers (too few values)';
    if (c.separability < MIN_SEPARABILITY) return `no clear split into similar and background layers (${eta}, needs ≥ ${MIN_SEPARABILITY})`;
    return `no clear split into similar and background layers (the groups' means differ by ${f(c.gap ?? NaN)}, needs ≥ ${MIN_GROUP_GAP})`;
  }
  if (c.floor !== undefined && c.threshold === c.floor)
    return `τ = ${f(c.threshold)}: ${DOCS_FLOOR_FACTOR} × the DOCS of unrelated matrices, above Otsu's cut (${eta})`;
  return `τ = ${f(c.threshold)}, Otsu's threshold (${eta})`;
}
