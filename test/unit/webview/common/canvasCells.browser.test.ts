// Cells painted straight into a canvas's pixels (webview/common/canvasCells.ts), in headless
// Chromium: every pixel equals what the 2D context's own fillStyle + fillRect draws for the same
// cells (the reference), for opaque and translucent colours, whole and fractional device-pixel
// ratios. Chromium as found by ../browserPage.ts; without one, skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';

const HARNESS = `
import { paintCells } from './canvasCells';
const w = window as unknown as Record<string, any>;
const colours = ['rgb(68, 1, 84)', '#21918c', 'rgba(255,255,255,0.15)', 'steelblue', 'rgb(253, 231, 37)', 'hsl(120, 50%, 40%)'];
w.compare = (rows, cols, cell, ratio) => {
  const pick = (i, j) => colours[(i * 7 + j * 3) % colours.length];
  const width = Math.ceil(cols * cell * ratio), height = Math.ceil(rows * cell * ratio);
  const a = document.createElement('canvas');
  a.width = width; a.height = height;
  paintCells(a, rows, cols, cell, ratio, pick);
  const b = document.createElement('canvas');
  b.width = width; b.height = height;
  const g = b.getContext('2d');
  const edge = (k) => Math.round(k * cell * ratio);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    g.fillStyle = pick(i, j);
    g.fillRect(edge(j), edge(i), edge(j + 1) - edge(j), edge(i + 1) - edge(i));
  }
  const pa = a.getContext('2d').getImageData(0, 0, width, height).data;
  const pb = g.getImageData(0, 0, width, height).data;
  let differ = 0, maxDiff = 0;
  for (let k = 0; k < pa.length; k++) { const d = Math.abs(pa[k] - pb[k]); if (d) differ++; maxDiff = Math.max(maxDiff, d); }
  return { pixels: pa.length / 4, differ, maxDiff };
};
`;

test('cells painted into pixels equal fillRect’s', { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview/common' });
  for (const [rows, cols, cell, ratio] of [
    [80, 80, 2, 1],
    [5, 7, 3, 2],
    [9, 4, 2, 1.5],
  ] as const) {
    const r = await page.evaluate(
      ([a, b, c, d]) => (window as unknown as { compare(...x: number[]): { pixels: number; differ: number; maxDiff: number } }).compare(a, b, c, d),
      [rows, cols, cell, ratio],
    );
    assert.ok(r.pixels >= rows * cols, `${rows}×${cols}: ${r.pixels} pixels`);
    // Translucent colours round-trip through premultiplied storage in fillRect: within one step of 255.
    assert.ok(r.maxDiff <= 1, `${rows}×${cols} at ${ratio}: ${r.differ} bytes differ, by up to ${r.maxDiff}`);
  }
});
