// A model with one NaN weight (the first entry of layer 1's up_proj): "Analyze Layer Similarity"
// draws that layer's pairs as hatched, not-computable cells whose reason names the NaN, every other
// pair with its value; clicking a hatched cell says why it is left out. Then the file is repaired
// on disk while the panel is open: the panel says its files changed and offers Re-run, and the
// re-run (which must read the new bytes, not a cached result) fills every cell.
import { closeSync, openSync, writeSync } from 'node:fs';
import { readHeader } from '../lib/safetensorsPeek';
import { SAMPLE_MODEL, uiCase, commandTitle } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

const TENSOR = 'model.layers.1.mlp.up_proj.weight';
const LAYERS = 4;

/** Overwrites the first value of TENSOR in place; returns the value that was there. */
function setFirstValue(file: string, value: number): number {
  const { entries, dataStart, bytes } = readHeader(file);
  const e = entries[TENSOR];
  if (!e || e.dtype !== 'F32') throw new Error(`${file}: ${TENSOR} missing or not F32`);
  const at = dataStart + e.data_offsets[0];
  const old = bytes.readFloatLE(at);
  const four = new Uint8Array(Float32Array.of(value).buffer); // little-endian, as safetensors stores F32
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, four, 0, 4, at);
  } finally {
    closeSync(fd);
  }
  return old;
}

let original = 0;

export default uiCase({
  title: 'a NaN weight: its pairs are hatched and named, the others computed; repairing the file offers Re-run, which fills every cell',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'nan-model');
    original = setFirstValue(ws.path('nan-model/model.safetensors'), NaN);
  },
  run: async (wb, ws) => {
    await wb.explorerContextMenu('nan-model', commandTitle('layerLens.analyzeSimilarity'));
    const upRow = wb.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: /^\s*up\s*$/ }) });
    await upRow.first().waitFor({ timeout: 20_000 });
    await upRow.first().click();

    const panel = await wb.webview('[data-testid="similarity-heatmap"]', 60_000);
    const status = panel.locator('.ll-status-text');
    const finished = async (what: string) =>
      waitFor(
        what,
        async () => {
          const text = await status.innerText();
          if (/Failed/.test(text)) throw new Error(`the run failed: ${await panel.locator('.ll-message').first().innerText()}`);
          return /Done in/.test(text);
        },
        60_000,
        300,
      );
    await finished('the first run to finish');
    const heatmap = panel.locator('[data-testid="similarity-heatmap"]');
    const flagged = heatmap.locator('[data-testid="heat-cell-flagged"]');
    const valued = heatmap.locator('[data-testid="heat-cell"]');
    await wb.screenshot('hatched');

    // Layer 1 against each of the 3 others, both triangles: 6 hatched cells; the other 10 (the diagonal included) have values.
    const flaggedCells = await flagged.all();
    if (flaggedCells.length !== 2 * (LAYERS - 1)) throw new Error(`${flaggedCells.length} hatched cells, expected ${2 * (LAYERS - 1)}`);
    for (const rect of flaggedCells) {
      const [a, b, reason] = await Promise.all(['data-a', 'data-b', 'data-reason'].map((k) => rect.getAttribute(k)));
      // Plot puts a constant fill on the mark's group rather than on each rect.
      const fill = await rect.evaluate((r) => r.getAttribute('fill') ?? r.closest('[fill]')?.getAttribute('fill') ?? null);
      if (a !== '1' && b !== '1') throw new Error(`cell ${a} × ${b} is hatched but does not involve layer 1`);
      if (!/1 NaN, 0 Inf in model\.layers\.1\.mlp\.up_proj\.weight/.test(reason ?? ''))
        throw new Error(`hatched cell ${a} × ${b} does not name the NaN in up: ${reason}`);
      if (!/^url\(#/.test(fill ?? '')) throw new Error(`hatched cell ${a} × ${b} is filled with ${fill}, not the hatch pattern`);
    }
    const count = await valued.count();
    if (count !== LAYERS * LAYERS - 2 * (LAYERS - 1)) throw new Error(`${count} cells with values, expected ${LAYERS * LAYERS - 2 * (LAYERS - 1)}`);

    // The detail pane of a hatched pair says why there is no value.
    await flaggedCells[0].click();
    const why = panel.locator('[data-testid="similarity-detail-nonfinite"]');
    await why.waitFor({ timeout: 10_000 });
    if (!/Not computable/.test(await why.innerText())) throw new Error(`detail says: ${await why.innerText()}`);

    // Repair the file while the panel is open: the banner appears and Re-run recomputes from the new bytes.
    setFirstValue(ws.path('nan-model/model.safetensors'), original);
    const banner = panel.locator('[data-testid="files-changed"]');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    await wb.screenshot('files-changed');
    await banner.locator('vscode-button', { hasText: 'Re-run' }).click();
    await waitFor('the banner to go with the re-run', async () => !(await banner.isVisible()), 10_000, 200);
    await finished('the re-run to finish');
    await waitFor(
      `all ${LAYERS * LAYERS} cells with values after the re-run`,
      async () => (await valued.count()) === LAYERS * LAYERS && (await flagged.count()) === 0,
      20_000,
      300,
    );
    await wb.screenshot('repaired');
  },
});
