/**
 * Colours of the report's figures. Series colours and the two colour ramps read on a light and a
 * dark page alike (the report follows the reader's prefers-color-scheme; axes and text use
 * currentColor). The ramps are d3-scale-chromatic's interpolateViridis (matplotlib's viridis; the
 * panels' sequential scheme on dark themes) at 8 evenly spaced points and its schemeRdBu[11]
 * (ColorBrewer's RdBu; the panels' diverging scheme), interpolated linearly in sRGB between the stops.
 */
export const SERIES_COLORS = ['#3b82f6', '#f97316', '#22a06b', '#a855f7', '#ef4444', '#ca8a04', '#0ea5e9', '#db2777', '#64748b', '#84cc16'];

const VIRIDIS = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725'];
const RDBU = ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'];

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function ramp(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [rgb(stops[i]!), rgb(stops[i + 1]!)];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Sequential colour of t ∈ [0, 1] (low: dark violet, high: yellow). */
export function sequential(t: number): string {
  return ramp(VIRIDIS, t);
}

/** Diverging colour of t ∈ [0, 1] (0: red, ½: near white, 1: blue), RdBu as in the correlation panels. */
export function diverging(t: number): string {
  return ramp(RDBU, t);
}
