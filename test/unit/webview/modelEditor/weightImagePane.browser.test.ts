// The |W| image pane in headless Chromium: a full 256 × 256 image of two expert slices drawn well
// within 200 ms (and redrawn as fast when the pooling, the colour scale or the slice changes), the
// colour of the smallest and largest cells equal to the two ends of Plot's viridis scheme
// (d3-scale-chromatic interpolateViridis: #440154 and #fde725), and the pointer readout naming the
// tensor rows and columns under the pointer; and the detail tables (quantiles, top |w|) built.
// Chromium as found by ../browserPage.ts; without one, the test is skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';
import { chooseOption, setChecked } from '../../../e2e/lib/workbench';

// Two slices of a 512 × 1024 matrix pooled into 256 × 256 cells (2 rows × 4 columns a cell); the
// max of cell k of slice 0 is k, of slice 1 is 2k; the means are half that; cell 5 of slice 1 is empty.
const HARNESS = `
import { WeightImagePane } from './weightImagePane';
import { DetailPane } from './detailPane';
const cells = 256 * 256;
const max = [], mean = [];
for (let s = 0; s < 2; s++) for (let k = 0; k < cells; k++) { max.push((s + 1) * k); mean.push(((s + 1) * k) / 2); }
max[cells + 5] = null; mean[cells + 5] = null;
const counts = new Array(256).fill(0); counts[10] = 7;
const image = { slices: 2, rows: 512, cols: 1024, gridRows: 256, gridCols: 256, max, mean, outlierThreshold: 0.12, outliersPerColumnCell: counts };
const theme = { kind: 'dark', foreground: '#cccccc', background: '#1e1e1e', muted: '#888888', grid: '#333333', accent: '#3794ff', categorical: ['#3794ff'],
  sequentialScheme: 'viridis', divergingScheme: 'rdbu', fontFamily: 'sans-serif', fontSize: 13, monoFontFamily: 'monospace' };
const w = window;
const t0 = performance.now();
const pane = new WeightImagePane(image, theme, (s) => 'expert ' + s);
document.body.append(pane.element);
w.firstDrawMs = performance.now() - t0;
w.pane = pane;
w.redrawMs = () => { const t = performance.now(); pane.draw(); return performance.now() - t; };
const probs = [0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1];
const top = Array.from({ length: 20 }, (_, i) => ({ at: [1, i, 2 * i], value: i % 2 ? -(9 - i / 10) : 9 - i / 10 }));
const detail = { quantiles: { probs, values: probs.map((p) => p - 0.5), abs: probs, method: 'bf16-bins', rankError: 0.0004, count: 1048576 },
  top, outlierThreshold: 0.12, outlierCount: 7 };
const detailPane = new DetailPane(detail, { name: 'model.layers.3.mlp.experts.down_proj', shape: [2, 512, 1024] }, theme);
document.body.append(detailPane.element);
w.pixel = (x, y) => Array.from(document.querySelector('canvas').getContext('2d').getImageData(x, y, 1, 1).data);
`;

type Win = { firstDrawMs: number; redrawMs: () => number; pixel: (x: number, y: number) => number[] } & Record<string, unknown>;
// The pane's layout: the image starts 52 px from the left and 6 px from the top; 2 px a cell.
const LEFT = 52,
  TOP = 6,
  PX = 2;

test('|W| image pane in Chromium', { skip: NO_CHROMIUM, timeout: 60_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview/modelEditor' });
  const pixel = (x: number, y: number) => page.evaluate(([x, y]) => (window as unknown as Win).pixel(x, y), [x, y] as const);

  await t.test('draws a 256 × 256 image in well under 200 ms, and redraws as fast', async (st) => {
    const first = await page.evaluate(() => (window as unknown as Win).firstDrawMs);
    assert.ok(first < 200, `first draw ${first.toFixed(1)} ms`);
    const again = await page.evaluate(() => (window as unknown as Win).redrawMs());
    assert.ok(again < 200, `redraw ${again.toFixed(1)} ms`);
    st.diagnostic(`first draw ${first.toFixed(1)} ms, redraw ${again.toFixed(1)} ms`);
  });

  await t.test('the smallest and largest cells take the two ends of viridis', async () => {
    assert.deepEqual(await pixel(LEFT, TOP), [0x44, 0x01, 0x54, 255]);
    assert.deepEqual(await pixel(LEFT + 255 * PX + 1, TOP + 255 * PX + 1), [0xfd, 0xe7, 0x25, 255]);
  });

  await t.test('the pointer readout names the rows, columns and value of the cell; the strip its 6σ count', async () => {
    const canvas = page.locator('[data-testid="weight-image"]');
    await canvas.hover({ position: { x: LEFT + 20 * PX + 1, y: TOP + 10 * PX + 1 } });
    const readout = () => page.locator('.me-wimage-readout').textContent();
    // Cell (10, 20) = k 2580: rows 20–21, columns 80–83.
    assert.equal(await readout(), 'expert 0 · rows 20–21 · columns 80–83 · max |w| 2580');
    await chooseOption(page, 'weight-image-pooling', 'mean');
    await canvas.hover({ position: { x: LEFT + 20 * PX + 1, y: TOP + 10 * PX + 1 } });
    assert.equal(await readout(), 'expert 0 · rows 20–21 · columns 80–83 · mean |w| 1290');
    await chooseOption(page, 'weight-image-slice', '1');
    await canvas.hover({ position: { x: LEFT + 5 * PX + 1, y: TOP + 1 } });
    assert.equal(await readout(), 'expert 1 · rows 0–1 · columns 20–23 · no finite value');
    // The empty cell is left transparent.
    assert.equal((await pixel(LEFT + 5 * PX + 1, TOP + 1))[3], 0);
    // The strip of 6σ counts sits 30 px under the image.
    await canvas.hover({ position: { x: LEFT + 10 * PX + 1, y: TOP + 256 * PX + 30 + 10 } });
    assert.equal(await readout(), 'columns 40–43 · 7 entries with |w| > 6σ = 0.12');
  });

  await t.test('the detail tables: 11 quantiles with the method note, 20 outliers as expert / row / column', async () => {
    assert.equal(await page.locator('[data-testid="quantile-table"] tbody tr').count(), 11);
    assert.match((await page.locator('.me-detail-tables p').first().textContent()) ?? '', /bfloat16 bins .* rank within 0\.04 %/);
    const rows = page.locator('[data-testid="top-outliers"] tbody tr');
    assert.equal(await rows.count(), 20);
    assert.deepEqual(await rows.nth(3).locator('td').allTextContents(), ['4', '1', '3', '6', '-8.7']);
    assert.deepEqual(await page.locator('[data-testid="top-outliers"] thead th').allTextContents(), ['#', 'expert', 'row', 'column', 'value']);
  });

  await t.test('log colour: a cell at the geometric middle of the range takes the middle of the scale', async () => {
    await setChecked(page, 'weight-image-log', true);
    const mid = await page.evaluate(() => (window as unknown as Win).redrawMs());
    assert.ok(mid < 200, `log redraw ${mid.toFixed(1)} ms`);
    // Slice 1, mean pooling: values k (k = 1 … 65535 after the empty cell); log domain [1, 65535].
    // k = 256 (row 1, column 0) sits at log(256)/log(65535) ≈ 0.5 of the scale: viridis(0.5) ≈ #21918c.
    const [r, g, b] = await pixel(LEFT + 1, TOP + PX + 1);
    assert.ok(Math.abs(r! - 0x21) <= 3 && Math.abs(g! - 0x91) <= 3 && Math.abs(b! - 0x8c) <= 3, `colour ${r},${g},${b}`);
  });
});
