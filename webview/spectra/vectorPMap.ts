/**
 * Every head's (and the whole matrix's) per-vector KS p as one row of a canvas map, coloured by
 * log10 p (clamped to [−6, 0]): 64 heads × 128 vectors draw in a few milliseconds where 8 000 SVG
 * cells would not. The legend is Observable Plot's; the hovered cell's head, vector and p show below.
 */
import * as Plot from '@observablehq/plot';
import { h, replaceChildren } from '../common/dom';
import type { Theme } from '../common/theme';
import { P_FLOOR } from './depthPlots';
import type { VectorPRow } from './depthViews';

export function drawVectorPMap(box: HTMLElement, rows: VectorPRow[], theme: Theme): void {
  const series = [...new Set(rows.map((r) => r.series))];
  if (series.length < 2) {
    box.replaceChildren();
    return;
  }
  const maxIndex = Math.max(...rows.map((r) => r.index));
  const cw = Math.max(1, Math.min(12, Math.floor(640 / maxIndex)));
  const ch = Math.max(3, Math.min(14, Math.floor(480 / series.length)));
  const left = 64;
  const width = left + cw * maxIndex;
  const height = ch * series.length;
  const canvas = h('canvas', { class: 'll-spectra-vectorp-canvas', 'data-testid': 'spectra-vector-p-map' });
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * ratio);
  canvas.height = Math.ceil(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const legendOptions = {
    type: 'linear' as const,
    scheme: theme.sequentialScheme as Plot.ColorScheme,
    reverse: true,
    domain: [-6, 0],
    clamp: true,
    label: 'log10 p of the singular vector',
  };
  const color = Plot.scale({ color: legendOptions });
  const g = canvas.getContext('2d');
  const byCell = new Map<string, VectorPRow>();
  if (g) {
    g.scale(ratio, ratio);
    g.font = `${Math.min(11, theme.fontSize)}px ${theme.fontFamily}`;
    g.fillStyle = theme.muted;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const every = Math.ceil(12 / ch);
    series.forEach((s, i) => {
      if (i % every === 0) g.fillText(s, left - 4, i * ch + ch / 2);
    });
    for (const r of rows) {
      const i = series.indexOf(r.series);
      byCell.set(`${i}:${r.index}`, r);
      g.fillStyle = String(color.apply(Math.log10(Math.max(P_FLOOR, r.p))));
      g.fillRect(left + (r.index - 1) * cw, i * ch, cw, Math.max(1, ch - (ch > 5 ? 1 : 0)));
    }
  }
  const readout = h('p', { class: 'll-spectra-summary' }, 'Each row a head, each column a singular vector (1 = largest). Hover for the p-value.');
  canvas.addEventListener('mousemove', (ev) => {
    const b = canvas.getBoundingClientRect();
    const index = Math.floor((ev.clientX - b.left - left) / cw) + 1;
    const i = Math.floor((ev.clientY - b.top) / ch);
    const r = byCell.get(`${i}:${index}`);
    if (r) readout.textContent = `${r.series}, singular vector ${r.index}: p = ${r.p.toPrecision(3)}`;
  });
  replaceChildren(box, Plot.legend({ color: legendOptions }) as HTMLElement, canvas, readout);
}
