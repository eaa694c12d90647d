/**
 * Tick values of a band axis with many bands (80 layers, 64 heads, 50 steps): every k-th band, k the
 * smallest of 1, 2, 5, 10, 20, 50, … that leaves each label `minGap` pixels, so labels never
 * overlap however many bands there are. Fewer ticks also means fewer SVG nodes to lay out. Pure.
 */

const STEPS = [1, 2, 5];

/** The smallest "nice" step (1, 2, 5 × 10ⁿ) at or above `k`. */
export function niceStep(k: number): number {
  if (!(k > 1)) return 1;
  for (let p = 1; ; p *= 10) for (const s of STEPS) if (s * p >= k) return s * p;
}

/**
 * Every step-th value of `domain` from the first, where step is niceStep(minGap / band width) and the
 * band width is span / domain.length; with `keepLast`, the last value too (replacing the tick before
 * it when the two would be closer than half a step).
 */
export function thinnedTicks<T>(domain: readonly T[], span: number, minGap: number, keepLast = false): T[] {
  const n = domain.length;
  if (n === 0) return [];
  const step = niceStep(minGap / (Math.max(1, span) / n));
  const ticks: T[] = [];
  let lastIndex = -1;
  for (let i = 0; i < n; i += step) {
    ticks.push(domain[i]!);
    lastIndex = i;
  }
  if (keepLast && lastIndex !== n - 1) {
    if (n - 1 - lastIndex < step / 2 && ticks.length > 1) ticks.pop();
    ticks.push(domain[n - 1]!);
  }
  return ticks;
}
