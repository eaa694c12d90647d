// Every plot as an accessible figure (webview/common/figure.ts, figureKeys.ts, plot.ts renderPlot),
// in headless Chromium: the caption is there; the heatmap takes focus as a grid, the arrow keys
// move the selection and the aria-live region names the cell and its value from the data; Enter
// clicks that very cell; "Show as table" swaps the plot for a table whose cells are the data's
// values and survives a re-draw; the figure's ⤓ menu posts this figure's SVG, and its table as CSV
// ("Save CSV…"), to the host; the diff-style row export places the plots side by side; and the
// colour-scheme message from the host switches every plot to the colour-blind palette.
// Chromium as found by ../browserPage.ts; without one, the test is skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';

const HARNESS = `
import * as Plot from '@observablehq/plot';
import { renderPlot } from './plot';
import { onThemeChange, readTheme } from './theme';
import { sideBySideSvg } from './export';
import { withCanvasGridKeys } from './canvasGridKeys';
const w = window as unknown as Record<string, any>;
w.posted = [];
w.clicks = [];
w.themes = [];
w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.posted.push(m), getState: () => undefined, setState: () => undefined });
const cells = [
  { a: 'L0', b: 'L0', v: 1 },
  { a: 'L0', b: 'L1', v: 0.41234 },
  { a: 'L0', b: 'L2', v: 0.2 },
  { a: 'L1', b: 'L0', v: 0.41234 },
  { a: 'L1', b: 'L1', v: 1 },
  { a: 'L1', b: 'L2', v: 0.7 },
];
const box = document.createElement('div');
const other = document.createElement('div');
document.body.append(box, other);
w.draw = () => {
  const theme = readTheme();
  const el = renderPlot(
    box,
    { x: { label: 'layer' }, y: { label: 'layer' }, color: { legend: true, label: 'DOCS', scheme: theme.sequentialScheme }, marks: [Plot.cell(cells, { x: 'b', y: 'a', fill: 'v' })] },
    theme,
    { caption: 'Layer × layer DOCS.' },
  );
  el.addEventListener('click', (e) => {
    const i = ((e.target as Element).closest('rect') as unknown as { __data__?: number } | null)?.__data__;
    w.clicks.push(typeof i === 'number' ? cells[i] : null);
  });
  renderPlot(other, { width: 300, height: 200, marks: [Plot.dot(cells, { x: 'v', y: 'a' })] }, theme, { caption: 'Dots.' });
};
w.draw();
w.row = () => {
  const svg = sideBySideSvg([{ title: 'A', el: box.querySelector('.ll-figure-plot')! }, { title: 'B', el: other.querySelector('.ll-figure-plot')! }], readTheme(), 16);
  return { width: Number(svg!.getAttribute('width')), texts: Array.from(svg!.querySelectorAll(':scope > text')).map((t) => t.textContent), parts: svg!.querySelectorAll(':scope > svg').length };
};
w.opened = [];
const canvas = document.createElement('canvas');
canvas.width = 30;
canvas.height = 20;
document.body.append(
  withCanvasGridKeys(canvas, {
    rows: 2,
    cols: 3,
    left: 0,
    top: 0,
    cellWidth: 10,
    cellHeight: 10,
    label: 'Small multiple',
    describe: ({ row, col }) => 'cell ' + row + ',' + col,
    open: (pos) => w.opened.push(pos),
  }),
);
onThemeChange((t) => w.themes.push({ scheme: t.colorScheme, categorical: t.categorical, sequential: t.sequentialScheme, diverging: t.divergingScheme }));
`;

type Win = {
  opened: unknown[];
  posted: { type: string; format: string; data: string; name: string }[];
  clicks: unknown[];
  themes: { scheme: string; categorical: string[]; sequential: string; diverging: string }[];
  draw(): void;
  row(): { width: number; texts: string[]; parts: number };
};
test('figures in Chromium', { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview/common', bodyClass: 'vscode-dark' });
  const live = () => page.locator('div:first-of-type .ll-figure [aria-live]').first().textContent();
  const heat = page.locator('body > div').first();

  await t.test('each plot is a figure with its caption', async () => {
    assert.equal(await page.locator('figure.ll-figure').count(), 2);
    assert.equal(await heat.locator('figcaption').textContent(), 'Layer × layer DOCS.');
  });

  await t.test('the heatmap is a focusable grid; arrows move the selection and announce the cell’s value; Enter clicks that cell', async () => {
    const svg = heat.locator('svg[role="grid"]');
    assert.equal(await svg.count(), 1);
    assert.equal(await svg.getAttribute('tabindex'), '0');
    assert.match((await svg.getAttribute('aria-label')) ?? '', /^Layer × layer DOCS\.: arrow keys/);
    assert.equal(await page.locator('body > div').nth(1).locator('svg[role="grid"]').count(), 0, 'a dot plot is no grid');
    await svg.focus();
    assert.equal(await live(), 'layer L0 × layer L0: DOCS 1');
    await page.keyboard.press('ArrowRight');
    assert.equal(await live(), 'layer L0 × layer L1: DOCS 0.4123');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    assert.equal(await live(), 'layer L1 × layer L2: DOCS 0.7');
    await page.keyboard.press('ArrowDown');
    assert.equal(await live(), 'layer L1 × layer L2: DOCS 0.7', 'the last row stops the selection');
    assert.equal(await heat.locator('rect.ll-key-cell').getAttribute('visibility'), 'visible');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.evaluate(() => (window as unknown as Win).clicks), [{ a: 'L1', b: 'L2', v: 0.7 }]);
    // A re-draw (a new partial result) keeps the focus and the selected cell.
    await page.evaluate(() => (window as unknown as Win).draw());
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'grid');
    assert.equal(await live(), 'layer L1 × layer L2: DOCS 0.7');
    // A mouse click moves the keyboard's selection to the clicked cell.
    const rects = heat.locator('g[aria-label="cell"] rect');
    await rects.nth(2).click();
    assert.deepEqual((await page.evaluate(() => (window as unknown as Win).clicks)).at(-1), { a: 'L0', b: 'L2', v: 0.2 });
    await page.keyboard.press('ArrowLeft');
    assert.equal(await live(), 'layer L0 × layer L1: DOCS 0.4123');
  });

  await t.test('"Show as table" shows the data as a table, and the choice survives a re-draw', async () => {
    await heat.locator('[data-testid="figure-table-toggle"]').click();
    assert.equal(await heat.locator('.ll-figure-plot').isHidden(), true);
    const table = heat.locator('table');
    assert.equal(await table.locator('caption').textContent(), 'Layer × layer DOCS.');
    assert.deepEqual(await table.locator('th[scope="col"]').allTextContents(), ['a', 'b', 'v']);
    assert.deepEqual(await table.locator('tbody tr td:nth-child(3)').allTextContents(), ['1', '0.4123', '0.2', '0.4123', '1', '0.7']);
    assert.deepEqual(await table.locator('tbody tr td:nth-child(2)').allTextContents(), ['L0', 'L1', 'L2', 'L0', 'L1', 'L2']);
    await page.evaluate(() => (window as unknown as Win).draw());
    assert.equal(await heat.locator('table').count(), 1);
    assert.equal(await heat.locator('[data-testid="figure-table-toggle"]').getAttribute('aria-pressed'), 'true');
    await heat.locator('[data-testid="figure-table-toggle"]').click();
    assert.equal(await heat.locator('.ll-figure-plot').isVisible(), true);
  });

  await t.test('the figure’s ⤓ menu exports this figure alone', async () => {
    await heat.locator('.ll-figure-export summary').click();
    await heat.locator('.ll-figure-menu-item[data-format="svg"]').click();
    await page.waitForFunction(() => (window as unknown as Win).posted.length > 0);
    const [msg] = await page.evaluate(() => (window as unknown as Win).posted);
    assert.equal(msg!.type, 'exportImage');
    assert.equal(msg!.format, 'svg');
    assert.ok(msg!.data.startsWith('<svg'));
    assert.equal((msg!.data.match(/<rect[^>]*fill="(?!none)[^"]*"/g) ?? []).length >= 6, true, 'the cells are in the image');
    assert.equal(msg!.data.includes('Dots.'), false);
  });

  await t.test('"Save CSV…" hands the figure’s table to the host as CSV, to be saved as a file', async () => {
    // The menu is still open from the SVG export.
    await heat.locator('.ll-figure-menu-item[data-format="csv-file"]').click();
    await page.waitForFunction(() => (window as unknown as Win).posted.some((m) => m.type === 'exportTable'));
    const msg = (await page.evaluate(() => (window as unknown as Win).posted)).find((m) => m.type === 'exportTable') as unknown as {
      csv: string;
      name: string;
    };
    assert.equal(msg.name, 'figure');
    // The plot's own data, row by row, full precision (not the table's 4 significant digits).
    assert.equal(msg.csv.trim(), ['a,b,v', 'L0,L0,1', 'L0,L1,0.41234', 'L0,L2,0.2', 'L1,L0,0.41234', 'L1,L1,1', 'L1,L2,0.7'].join('\n'));
    assert.equal(await page.locator('body > div').nth(1).locator('.ll-figure-menu-item[data-format="csv-file"]').count(), 1, 'every figure offers it');
  });

  await t.test('a row of figures exports as one image, side by side under their titles', async () => {
    const row = await page.evaluate(() => (window as unknown as Win).row());
    const widths = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ll-figure-plot')).map((p) => {
        const svgs = Array.from(p.querySelectorAll('svg')).filter((s) => !s.parentElement?.closest('svg'));
        return Math.max(...svgs.map((s) => Number(s.getAttribute('width'))));
      }),
    );
    assert.deepEqual(row.texts, ['A', 'B']);
    assert.equal(row.parts, 2);
    assert.equal(row.width, widths[0]! + 16 + widths[1]!);
  });

  await t.test('a canvas heatmap takes the keyboard too: outline, read-out, Enter', async () => {
    const canvas = page.locator('.ll-canvas-grid canvas');
    assert.equal(await canvas.getAttribute('role'), 'grid');
    await canvas.focus();
    const said = () => page.locator('.ll-canvas-grid [aria-live]').textContent();
    assert.equal(await said(), 'cell 0,0');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await said(), 'cell 1,2');
    const box = await page.locator('.ll-key-outline').evaluate((o) => [(o as HTMLElement).style.left, (o as HTMLElement).style.top, (o as HTMLElement).hidden]);
    assert.deepEqual(box, ['20px', '10px', false]);
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.evaluate(() => (window as unknown as Win).opened), [{ row: 1, col: 2 }]);
  });

  await t.test('the host’s colour-scheme message switches the plots to Okabe–Ito, cividis and PuOr', async () => {
    const before = await page.evaluate(() => (window as unknown as Win).themes.at(-1)!);
    assert.equal(before.scheme, 'theme');
    await page.evaluate(() => window.postMessage({ type: 'layerLens.colorScheme', scheme: 'colorblind' }, '*'));
    await page.waitForFunction(() => (window as unknown as Win).themes.at(-1)!.scheme === 'colorblind');
    const after = await page.evaluate(() => (window as unknown as Win).themes.at(-1)!);
    assert.deepEqual([after.sequential, after.diverging], ['cividis', 'puor']);
    assert.deepEqual(after.categorical.slice(0, 3), ['#0072B2', '#E69F00', '#009E73']);
  });
});
