// The layer-similarity heatmap from the keyboard and as a table: Tab into the heatmap, the arrow
// keys move the selected cell (announced with its layers and value, equal to that cell's value in
// the plot), Enter opens the pair's detail as a click does; "Show as table" lists every cell with
// the values the heatmap draws.
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

export default uiCase({
  title: 'the similarity heatmap: arrow keys move the selection, Enter opens the pair, "Show as table" lists the drawn values',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb) => {
    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzeSimilarity'));
    await wb.pickQuickPickItem('up');
    const panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    await waitFor('the run to finish', async () => /Done in/.test(await panel.locator('.ll-status-text').innerText()), 60_000, 300);
    const heatmap = panel.locator('[data-testid="similarity-heatmap"]');
    const cells = heatmap.locator('[data-testid="heat-cell"]');
    const drawn = new Map<string, number>();
    for (const rect of await cells.all()) {
      const [a, b, v] = await Promise.all([rect.getAttribute('data-a'), rect.getAttribute('data-b'), rect.getAttribute('data-value')]);
      drawn.set(`${a},${b}`, Number(v));
    }
    if (drawn.size < 4) throw new Error(`only ${drawn.size} heatmap cells`);

    // Keyboard: focus the grid, move right twice and down once from the first cell.
    const grid = heatmap.locator('svg[role="grid"]').first();
    await grid.focus();
    await grid.press('Home');
    await grid.press('ArrowRight');
    await grid.press('ArrowRight');
    await grid.press('ArrowDown');
    const live = heatmap.locator('[aria-live="polite"]').first();
    const said = await waitFor(
      'the selected cell announced',
      async () => {
        const t = ((await live.textContent()) ?? '').trim();
        return /\d/.test(t) ? t : undefined;
      },
      5_000,
    );
    // The announcement names two layers and a value; the value must be the one drawn in that cell.
    const layers = [...said.matchAll(/(?:layer|L)\s*(\d+)/gi)].map((m) => Number(m[1]));
    const value = Number(/(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(said)?.[1]);
    if (layers.length < 2 || !Number.isFinite(value)) throw new Error(`announcement "${said}" does not name two layers and a value`);
    const expected = drawn.get(`${layers[0]},${layers[1]}`) ?? drawn.get(`${layers[1]},${layers[0]}`);
    if (expected === undefined || Math.abs(expected - value) > 5e-4 * Math.max(1, Math.abs(expected)))
      throw new Error(`announcement "${said}" gives ${value}, the cell draws ${expected}`);
    if ((await heatmap.locator('rect.ll-key-cell[visibility="visible"]').count()) !== 1) throw new Error('no selection outline is shown');

    // Enter opens the pair's detail, as a click on that cell does.
    await grid.press('Enter');
    const summary = panel.locator('[data-testid="similarity-detail-summary"]');
    const detail = await waitFor(
      'the pair detail',
      async () => {
        const t = (await summary.textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
        return /L\d+ × L\d+/.test(t) ? t : undefined;
      },
      10_000,
    );
    const pair = [...detail.matchAll(/L(\d+)/g)].map((m) => Number(m[1])).slice(0, 2);
    if ([...pair].sort().join() !== [...layers].slice(0, 2).sort().join())
      throw new Error(`Enter opened "${detail}", the selection was layers ${layers.join(' × ')}`);
    await wb.screenshot('keyboard-selection');

    // "Show as table": a table whose numbers are the drawn cells' values.
    await heatmap.locator('[data-testid="figure-table-toggle"]').first().click();
    const table = heatmap.locator('table').first();
    await table.waitFor({ state: 'visible', timeout: 5_000 });
    const tableNumbers = (await table.locator('td').allTextContents()).map(Number).filter((n) => Number.isFinite(n));
    const missing = [...drawn.values()].filter((v) => !tableNumbers.some((t) => Math.abs(t - v) <= 5e-4 * Math.max(1, Math.abs(v))));
    if (missing.length) throw new Error(`${missing.length} drawn values are not in the table (e.g. ${missing[0]})`);
    if ((await table.locator('caption').count()) !== 1) throw new Error('the table has no caption');
    await wb.screenshot('as-table');
  },
});
