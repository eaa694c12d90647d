/**
 * Data shaping of the diff panel's depth and spectrum pictures: relative change ‖B − A‖_F / ‖A‖_F
 * against depth, one line per kind (a mixture-of-experts layer's experts folded into their kind by
 * the maximum or the mean over experts), and the reference a Δ spectrum is read against: the
 * singular values expected of a random Gaussian matrix of Δ's shape and Frobenius norm.
 * Pure, so it is unit-tested without a DOM.
 */
import type { MatrixDiff } from '../../src/analysis/methods/diff/matrix';
import { marchenkoPastur, mpCdf } from '../../src/analysis/stats/marchenkoPastur';

export type ExpertAggregate = 'max' | 'mean';

export interface DepthLine {
  name: string;
  points: { x: number; y: number; experts: number }[];
}

const KIND_ORDER = ['q', 'k', 'v', 'o', 'q_a', 'q_b', 'kv_a', 'kv_b', 'gate', 'up', 'down', 'router'];
const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);

/**
 * Relative change per layer and kind. Several entries of one layer and kind are a mixture-of-experts
 * layer's experts (and shared expert): they are reduced to one point by `agg`, and `experts` says how
 * many went into it. Non-finite values (a zero A, or a pair left out) are skipped.
 */
export function relChangeDepthLines(entries: readonly MatrixDiff[], agg: ExpertAggregate): DepthLine[] {
  const groups = new Map<string, Map<number, number[]>>();
  for (const e of entries) {
    if (typeof e.relChange !== 'number' || !Number.isFinite(e.relChange)) continue;
    const byLayer = groups.get(e.kind) ?? new Map<number, number[]>();
    groups.set(e.kind, byLayer);
    const list = byLayer.get(e.layer) ?? [];
    byLayer.set(e.layer, list);
    list.push(e.relChange);
  }
  return [...groups.keys()]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => ({
      name,
      points: [...groups.get(name)!.entries()]
        .map(([x, v]) => ({ x, y: agg === 'max' ? Math.max(...v) : v.reduce((s, t) => s + t, 0) / v.length, experts: v.length }))
        .sort((a, b) => a.x - b.x),
    }));
}

/**
 * The `count` largest singular values expected of a rows×cols matrix of i.i.d. Gaussian entries with
 * Frobenius norm `frobenius` (entry σ = ‖Δ‖_F / √(rows·cols)): the Marchenko–Pastur quantiles
 * F⁻¹(1 − (i − ½)/m), i = 1…count, m = min(rows, cols) — the closed form, no sampling. A Δ whose
 * leading σᵢ stand far above these is low-rank (a fine-tune's update); one that follows them is noise.
 */
export function randomReferenceSpectrum(rows: number, cols: number, frobenius: number, count: number): number[] {
  const m = Math.min(rows, cols);
  if (!(frobenius > 0) || !Number.isFinite(frobenius) || m === 0) return [];
  const law = marchenkoPastur(rows, cols, frobenius / Math.sqrt(rows * cols));
  const F = mpCdf(law);
  const out: number[] = [];
  for (let i = 1; i <= Math.min(count, m); i++) {
    const target = 1 - (i - 0.5) / m;
    // F is continuous and increasing on the bulk: bisection to ~1e-12 of the bulk's width.
    let lo = law.lower,
      hi = law.upper;
    for (let it = 0; it < 60 && hi - lo > 1e-13 * law.upper; it++) {
      const mid = (lo + hi) / 2;
      if (F(mid) < target) lo = mid;
      else hi = mid;
    }
    out.push((lo + hi) / 2);
  }
  return out;
}
