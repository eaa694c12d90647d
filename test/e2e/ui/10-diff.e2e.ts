// select two model folders in the explorer (stories260K and a copy whose layer 3 q got a
// planted rank-4 update) → "Compare Selected Models" → the diff panel shows A, Δ and B side by side
// as layer × kind heatmaps; Δ is zero everywhere but layer 3 q, where ‖Δ‖/‖A‖ equals the value
// computed here from the file; hovering a cell in one heatmap marks the same cell in the other two,
// and clicking selects it everywhere and shows its delta histogram and singular values.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_260K, uiCase, commandTitle } from '../lib/uiCase';
import { readF32, readHeader } from '../lib/safetensorsPeek';
import { waitFor } from '../lib/workbench';

const Q3 = 'model.layers.3.self_attn.q_proj.weight';
const PLANTED = 0.5;

/** Adds PLANTED to the first four diagonal entries of layer 3's q: Δ = 0.5·(e₀e₀ᵀ + … + e₃e₃ᵀ), rank 4. */
function plantRank4(file: string): void {
  const { entries, dataStart, bytes } = readHeader(file);
  const e = entries[Q3];
  if (!e || e.dtype !== 'F32') throw new Error(`${file} has no F32 ${Q3}`);
  const cols = e.shape[1] as number;
  for (let i = 0; i < 4; i++) {
    const at = dataStart + e.data_offsets[0] + 4 * (i * cols + i);
    bytes.writeFloatLE(bytes.readFloatLE(at) + PLANTED, at);
  }
  writeFileSync(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export default uiCase({
  title: 'select two models → Compare Selected Models → A, Δ and B heatmaps side by side with synchronised hover and selection',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'base');
    plantRank4(join(ws.copyModel(STORIES_260K, 'tuned'), 'model.safetensors'));
  },
  run: async (wb, ws) => {
    const layers = (JSON.parse(readFileSync(ws.path('base/config.json'), 'utf8')) as { num_hidden_layers: number }).num_hidden_layers;
    const q3 = readF32(ws.path('base/model.safetensors'), Q3);
    const expected = Math.sqrt(4 * PLANTED * PLANTED) / Math.hypot(...q3);

    // Opening a model activates the extension, which publishes the model folders the menus need.
    await wb.openFromExplorer('base/model.safetensors');
    await wb.webview('.me-header', 45_000);
    // Two items selected: click one, Ctrl+click the other, right-click inside the selection.
    await (await wb.revealInExplorer('base')).click();
    await (await wb.revealInExplorer('tuned')).click({ modifiers: ['Control'] });
    await wb.explorerContextMenu('tuned', commandTitle('layerLens.compareSelected'));
    await wb.waitForTab('Checkpoint diff vs base');

    const panel = await wb.webview('[data-testid="diff-heatmap-delta"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the diff to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    await wb.screenshot('done', { docsImage: 'diff' });

    // Same layout three times: layers × 7 kinds in A, Δ and B.
    for (const id of ['diff-cell-a', 'diff-cell-delta', 'diff-cell-b']) {
      const n = await panel.locator(`[data-testid="${id}"]`).count();
      if (n !== layers * 7) throw new Error(`${id}: ${n} cells, expected ${layers * 7}`);
    }
    const problems: string[] = [];
    for (const rect of await panel.locator('[data-testid="diff-cell-delta"]').all()) {
      const [layer, kind, value] = await Promise.all([rect.getAttribute('data-layer'), rect.getAttribute('data-kind'), rect.getAttribute('data-value')]);
      const want = layer === '3' && kind === 'q' ? expected : 0;
      if (!(Math.abs(Number(value) - want) <= 1e-5 * want)) problems.push(`L${layer} ${kind}: shown ${value}, expected ${want}`);
    }
    if (problems.length) throw new Error(`‖Δ‖/‖A‖ is wrong: ${problems.join('; ')}`);

    // Hover in A marks the same cell in Δ and B; hover in Δ marks it in A and B.
    const hovered = panel.locator('rect.ll-diff-hover');
    const expectHovered = async (layer: string, kind: string) =>
      waitFor(
        `hover marks on L${layer} ${kind}`,
        async () => {
          const marks = await hovered.all();
          if (marks.length !== 3) return false;
          const keys = await Promise.all(
            marks.map(async (m) => `${await m.getAttribute('data-testid')}:${await m.getAttribute('data-layer')}:${await m.getAttribute('data-kind')}`),
          );
          return ['diff-cell-a', 'diff-cell-delta', 'diff-cell-b'].every((id) => keys.includes(`${id}:${layer}:${kind}`));
        },
        5_000,
      );
    await panel.locator('[data-testid="diff-cell-a"][data-layer="2"][data-kind="v"]').hover();
    await expectHovered('2', 'v');
    await panel.locator('[data-testid="diff-cell-delta"][data-layer="0"][data-kind="down"]').hover();
    await expectHovered('0', 'down');
    await wb.screenshot('hover');

    // Click in B selects everywhere and shows that matrix's detail: rank-4 delta.
    await panel.locator('[data-testid="diff-cell-b"][data-layer="3"][data-kind="q"]').click();
    const summary = panel.locator('[data-testid="diff-detail-summary"]');
    await waitFor('the layer 3 q detail', async () => (await summary.innerText()).startsWith('layer 3 q'), 5_000);
    const text = await summary.innerText();
    const erank = Number(/effective rank of Δ = ([\d.e+-]+)/.exec(text)?.[1]);
    if (!(Math.abs(erank - 4) < 0.01)) throw new Error(`effective rank of the planted delta reads ${erank}: ${text}`);
    if ((await panel.locator('rect.ll-diff-selected[data-layer="3"][data-kind="q"]').count()) !== 3)
      throw new Error('the selection is not marked in all three heatmaps');
    if ((await panel.locator('[data-testid="diff-histogram"] svg').count()) < 1) throw new Error('no delta histogram');
    if ((await panel.locator('[data-testid="diff-singular"] svg [aria-label="dot"] circle').count()) < 4)
      throw new Error('the delta singular values are not drawn');
    if (!/Every tensor has a partner/.test(await panel.locator('[data-testid="diff-report"]').innerText())) throw new Error('the pairing report is missing');
    await wb.screenshot('detail');
  },
});
