// Large heatmaps drawn as one image (webview/common/rasterCells.ts), in headless Chromium: the cell
// mark leaves one <image> and no rects; the colour at every sampled cell's centre in that image is
// exactly the colour Plot's own colour scale gives the cell's value; the image covers the band grid
// (first band less half the padding, one step a cell); the keyboard still reads values from the
// data; and the correlations heatmap at 80 layers × 64 heads (drawn this way) opens the very cell
// selected with the arrow keys on Enter, as the similarity heatmap at 50 layers selects its pair. Chromium as found by ../browserPage.ts; without one, skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';

const HARNESS = `
import * as Plot from '@observablehq/plot';
import { renderPlot } from './common/plot';
import { readTheme } from './common/theme';
import { rasterCellRender } from './common/rasterCells';
import { drawHeatmap } from './correlations/plots';
import { drawHeatmap as drawSimilarity } from './similarity/heatmap';
import { clustersOf, viewFromResult } from './similarity/viewModel';
const w = window as unknown as Record<string, any>;
const N = 48;
const labels = Array.from({ length: N }, (_, i) => 'L' + i);
const cells = [];
for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cells.push({ x: labels[j], y: labels[i], v: ((i * 31 + j * 17) % 97) / 96 });
const box = document.createElement('div');
document.body.append(box);
const theme = readTheme();
const el = renderPlot(
  box,
  { width: 400, height: 400, padding: 0.1, x: { domain: labels, label: 'layer' }, y: { domain: labels, label: 'layer' }, color: { type: 'linear', scheme: 'viridis', legend: true, label: 'DOCS' }, marks: [Plot.cell(cells, { x: 'x', y: 'y', fill: 'v', tip: true, render: rasterCellRender })] },
  theme,
  { caption: 'Raster heatmap.' },
);
w.summary = () => {
  const g = el.querySelector('g[aria-label="cell"]');
  const img = g?.querySelector('image');
  const x = el.scale('x');
  const y = el.scale('y');
  return {
    rects: g ? g.querySelectorAll('rect').length : -1,
    images: g ? g.querySelectorAll('image').length : -1,
    image: img ? ['x', 'y', 'width', 'height'].map((a) => Number(img.getAttribute(a))) : [],
    expected: [x.apply(labels[0]) - (x.step - x.bandwidth) / 2, y.apply(labels[0]) - (y.step - y.bandwidth) / 2, x.step * N, y.step * N],
  };
};
/** For sampled cells: the image's pixel at the cell's centre and the scale's colour of its value, both as #rrggbb. */
w.samples = async () => {
  const img = el.querySelector('g[aria-label="cell"] image');
  const pic = new Image();
  pic.src = img.getAttribute('href');
  await pic.decode();
  const c = document.createElement('canvas');
  c.width = pic.naturalWidth;
  c.height = pic.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(pic, 0, 0);
  const sx = c.width / Number(img.getAttribute('width')), sy = c.height / Number(img.getAttribute('height'));
  const x = el.scale('x'), y = el.scale('y'), color = el.scale('color');
  const hex = (s) => { g.fillStyle = '#000000'; g.fillStyle = s; return g.fillStyle; };
  const out = [];
  for (let k = 0; k < cells.length; k += 37) {
    const cell = cells[k];
    const px = (x.apply(cell.x) + x.bandwidth / 2 - Number(img.getAttribute('x'))) * sx;
    const py = (y.apply(cell.y) + y.bandwidth / 2 - Number(img.getAttribute('y'))) * sy;
    const [r, gg, b] = g.getImageData(Math.floor(px), Math.floor(py), 1, 1).data;
    out.push({ drawn: '#' + [r, gg, b].map((v) => v.toString(16).padStart(2, '0')).join(''), scale: hex(String(color.apply(cell.v))) });
  }
  return out;
};
// The correlations panel's heatmap at Llama-3-70B scale.
const corrBox = document.createElement('div');
document.body.append(corrBox);
const heads = Array.from({ length: 64 }, (_, h) => 'h' + h);
const layers = Array.from({ length: 80 }, (_, l) => 'L' + l);
const corr = [];
for (let l = 0; l < 80; l++) for (let h = 0; h < 64; h++) corr.push({ measure: 'M1', layer: l, col: h, x: heads[h], y: layers[l], value: Math.sin(l * 64 + h) * 0.1, kvHead: h >> 3 });
w.opened = [];
drawHeatmap(corrBox, corr, { x: heads, y: layers, xLabel: 'query head' }, [-0.1, 0.1], 'cc', theme, (c) => w.opened.push({ layer: c.layer, col: c.col, value: c.value }));
w.corrValue = (l, h) => corr[l * 64 + h].value;
w.corrRects = () => corrBox.querySelectorAll('g.ll-corr-filled rect').length;
w.corrImages = () => corrBox.querySelectorAll('g.ll-corr-filled image').length;
// The similarity heatmap of 50 layers (2 500 cells).
const simBox = document.createElement('div');
document.body.append(simBox);
const L = 50;
const pairs = [];
for (let a = 0; a < L; a++) for (let b = a + 1; b < L; b++) pairs.push({ a, b, layerA: a, layerB: b, comparable: true, complete: true, values: { docs: 1 / (1 + b - a) } });
const view = viewFromResult({ kind: 'o', orientation: 'none', compared: 'rows', pairMode: 'all', layers: Array.from({ length: L }, (_, i) => i), shapes: [], indices: ['docs'], pairs } as any);
w.selectedPairs = [];
drawSimilarity(simBox, view, theme, { index: 'docs', clusters: clustersOf(view, 'docs'), onSelect: (a, b) => w.selectedPairs.push([a, b]) });
w.simCounts = () => ({ images: simBox.querySelectorAll('g.ll-heat-filled image').length, rects: simBox.querySelectorAll('g.ll-heat-filled rect').length, boxes: simBox.querySelectorAll('[data-testid="cluster-box"]').length });
`;

type Win = {
  summary(): { rects: number; images: number; image: number[]; expected: number[] };
  samples(): Promise<{ drawn: string; scale: string }[]>;
  opened: { layer: number; col: number; value: number }[];
  corrValue(l: number, h: number): number;
  corrRects(): number;
  corrImages(): number;
  selectedPairs: [number, number][];
  simCounts(): { images: number; rects: number; boxes: number };
};

test('heatmaps drawn as one image, in Chromium', { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview', bodyClass: 'vscode-dark' });
  const win = () => page.evaluateHandle(() => window as unknown as Win);

  await t.test('one image, no rects, covering the band grid', async () => {
    const s = await page.evaluate(() => (window as unknown as Win).summary());
    assert.equal(s.rects, 0);
    assert.equal(s.images, 1);
    s.image.forEach((v, i) => assert.ok(Math.abs(v - s.expected[i]!) < 1e-9, `image ${['x', 'y', 'width', 'height'][i]} ${v} vs ${s.expected[i]}`));
  });

  await t.test('each sampled cell is drawn in the colour the scale gives its value', async () => {
    const samples = await page.evaluate(() => (window as unknown as Win).samples());
    assert.ok(samples.length > 50);
    for (const s of samples) assert.equal(s.drawn, s.scale);
  });

  await t.test('the keyboard reads values from the data', async () => {
    const svg = page.locator('body > div').first().locator('svg[role="grid"]');
    await svg.focus();
    const live = () => page.locator('body > div').first().locator('.ll-figure [aria-live]').first().textContent();
    assert.equal(await live(), 'layer L0 × layer L0: DOCS 0');
    await page.keyboard.press('ArrowRight');
    assert.equal(await live(), `layer L0 × layer L1: DOCS ${Number((17 / 96).toPrecision(4))}`);
  });

  await t.test('correlations at 80 × 64: an image, and Enter opens the cell the arrows selected', async () => {
    await win();
    assert.equal(await page.evaluate(() => (window as unknown as Win).corrRects()), 0);
    assert.equal(await page.evaluate(() => (window as unknown as Win).corrImages()), 1);
    const svg = page.locator('body > div').nth(1).locator('svg[role="grid"]');
    await svg.focus();
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'Enter']) await page.keyboard.press(key);
    const opened = await page.evaluate(() => (window as unknown as Win).opened);
    const value = await page.evaluate(() => (window as unknown as Win).corrValue(2, 3));
    assert.deepEqual(opened, [{ layer: 2, col: 3, value }]);
  });

  await t.test('similarity at 50 layers: an image, cluster boxes drawn over it, and Enter selects the pair the arrows chose', async () => {
    const counts = await page.evaluate(() => (window as unknown as Win).simCounts());
    assert.equal(counts.images, 1);
    assert.equal(counts.rects, 0);
    const svg = page.locator('body > div').nth(2).locator('svg[role="grid"]');
    await svg.focus();
    for (const key of ['ArrowDown', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'Enter']) await page.keyboard.press(key);
    assert.deepEqual(await page.evaluate(() => (window as unknown as Win).selectedPairs), [[1, 4]]);
  });
});
