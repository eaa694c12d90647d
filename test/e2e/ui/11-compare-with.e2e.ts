// The diff's other entry point: right-click one model folder → "Compare with…" → a quick pick lists
// the workspace's other models (not the model itself, one row per model folder, not per shard) and
// "Browse…"; picking one opens the diff panel, whose Δ heatmap is zero everywhere but the one matrix
// that differs between the two copies (its ‖Δ‖/‖A‖ computed here from the files).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_260K, uiCase, commandTitle } from '../lib/uiCase';
import { readF32, readHeader } from '../lib/safetensorsPeek';
import { waitFor } from '../lib/workbench';

const DOWN1 = 'model.layers.1.mlp.down_proj.weight';

/** Scales layer 1's down_proj by 1.5 in place: ‖Δ‖/‖A‖ = 0.5 exactly (up to float32 rounding). */
function scaleDown1(file: string): void {
  const { entries, dataStart, bytes } = readHeader(file);
  const e = entries[DOWN1];
  if (!e || e.dtype !== 'F32') throw new Error(`${file} has no F32 ${DOWN1}`);
  for (let at = dataStart + e.data_offsets[0]; at < dataStart + e.data_offsets[1]; at += 4) bytes.writeFloatLE(bytes.readFloatLE(at) * 1.5, at);
  writeFileSync(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export default uiCase({
  title: 'right-click a model folder → Compare with… → quick pick of the other workspace models → diff panel',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'run-a');
    scaleDown1(join(ws.copyModel(STORIES_260K, 'run-b'), 'model.safetensors'));
  },
  run: async (wb, ws) => {
    const layers = (JSON.parse(readFileSync(ws.path('run-a/config.json'), 'utf8')) as { num_hidden_layers: number }).num_hidden_layers;
    const a = readF32(ws.path('run-a/model.safetensors'), DOWN1);
    const b = readF32(ws.path('run-b/model.safetensors'), DOWN1);
    let num = 0;
    for (let i = 0; i < a.length; i++) num += (b[i] - a[i]) ** 2;
    const expected = Math.sqrt(num) / Math.hypot(...a);

    // Opening a model activates the extension, which publishes the model folders the menus need.
    await wb.openFromExplorer('run-a/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.explorerContextMenu('run-a', commandTitle('layerLens.compareWith'));

    const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
    const labels = await waitFor(
      'the quick pick to list its models',
      async () => {
        const texts = (await rows.locator('.label-name').allInnerTexts()).map((t) => t.trim());
        return texts.some((t) => t === 'run-b') && texts.some((t) => t.includes('Browse')) ? texts : false;
      },
      20_000,
      300,
    );
    await wb.screenshot('quick-pick');
    if (labels.includes('run-a')) throw new Error(`the quick pick offers the model itself: ${labels.join(' | ')}`);
    if (labels.some((t) => t.endsWith('.safetensors'))) throw new Error(`a model folder's weight file is listed on its own: ${labels.join(' | ')}`);
    await rows
      .filter({ has: wb.page.locator('.label-name', { hasText: /^run-b$/ }) })
      .first()
      .click();

    await wb.waitForTab('Checkpoint diff vs run-a');
    const panel = await wb.webview('[data-testid="diff-heatmap-delta"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the diff to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    const cells = panel.locator('[data-testid="diff-cell-delta"]');
    if ((await cells.count()) !== layers * 7) throw new Error(`Δ heatmap: ${await cells.count()} cells, expected ${layers * 7}`);
    const problems: string[] = [];
    for (const rect of await cells.all()) {
      const [layer, kind, value] = await Promise.all([rect.getAttribute('data-layer'), rect.getAttribute('data-kind'), rect.getAttribute('data-value')]);
      const want = layer === '1' && kind === 'down' ? expected : 0;
      if (!(Math.abs(Number(value) - want) <= 1e-5 * Math.max(want, 1e-12))) problems.push(`L${layer} ${kind}: shown ${value}, expected ${want}`);
    }
    if (problems.length) throw new Error(`‖Δ‖/‖A‖ is wrong: ${problems.join('; ')}`);
    await wb.screenshot('diff');
  },
});
