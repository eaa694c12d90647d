// open a .safetensors file from the explorer → the model editor shows the
// architecture and the tensor tree; click a tensor → its statistics and histogram appear. The
// figures are checked against the file itself, read independently (lib/safetensorsPeek.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeValues, readF32, readHeader } from '../lib/safetensorsPeek';
import { STORIES_260K, repoRoot, uiCase } from '../lib/uiCase';
import { fillField, waitFor } from '../lib/workbench';

const TENSOR = 'model.layers.2.self_attn.q_proj.weight';

/** Parses a number as the stats table prints it (4 significant digits or exponent form). */
function shown(text: string): number {
  const v = Number(text.trim().replace('−', '-'));
  if (!Number.isFinite(v)) throw new Error(`not a number in the stats table: "${text}"`);
  return v;
}

function close(label: string, actual: number, expected: number): void {
  // 4 significant digits are shown: half a unit in the 4th digit is a relative error of 5e-4.
  const tolerance = 1e-3 * Math.abs(expected) + 1e-7;
  if (Math.abs(actual - expected) > tolerance) throw new Error(`${label}: shown ${actual}, the file gives ${expected}`);
}

export default uiCase({
  title: 'open a .safetensors file from the explorer, see architecture and tensors, click a tensor for stats + histogram',
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb, ws) => {
    const file = ws.path('stories260K/model.safetensors');
    const { entries } = readHeader(file);
    const config = JSON.parse(readFileSync(ws.path('stories260K/config.json'), 'utf8')) as { num_hidden_layers: number; model_type: string };

    await wb.openFromExplorer('stories260K/model.safetensors');
    await wb.waitForTab('model.safetensors');
    const editor = await wb.webview('.me-header', 45_000);
    await editor.locator('.me-header h1').filter({ hasText: 'model.safetensors' }).waitFor();
    await wb.screenshot('model-editor');

    const arch = (await editor.locator('.me-arch').innerText()).toLowerCase();
    if (!arch.includes(config.model_type)) throw new Error(`architecture shown as "${arch}", config.json says ${config.model_type}`);
    const facts = (await editor.locator('.me-facts').innerText()).replace(/\s+/g, ' ');
    const tensorCount = Object.keys(entries).length;
    for (const fact of [`${tensorCount} tensors`, `${config.num_hidden_layers} layers`]) {
      if (!facts.includes(fact)) throw new Error(`the overview says "${facts}", expected "${fact}"`);
    }

    // One group per decoder layer plus the non-layer tensors; every tensor in exactly one group.
    const groups = editor.locator('details.me-group');
    const groupTitles = await groups.locator('.me-group-title').allTextContents();
    const layerGroups = groupTitles.filter((t) => /layer\s*\d+/i.test(t));
    if (layerGroups.length !== config.num_hidden_layers)
      throw new Error(`tensor tree groups: ${groupTitles.join(', ')}; expected ${config.num_hidden_layers} layer groups`);
    const perGroup = (await groups.locator('summary').allTextContents()).map((s) => Number(/· (\d+) tensors/.exec(s)?.[1] ?? NaN));
    const listed = perGroup.reduce((a, b) => a + b, 0);
    if (listed !== tensorCount) throw new Error(`tree groups list ${listed} tensors (${perGroup.join('+')}), the file has ${tensorCount}`);

    // Filter to one tensor and click it.
    await fillField(editor, 'tree-filter', 'layers.2 q_proj');
    const row = editor.locator(`tr.me-row[data-tensor="${TENSOR}"]`);
    await row.waitFor({ timeout: 10_000 });
    const rowText = (await row.innerText()).replace(/\s+/g, ' ');
    const shape = entries[TENSOR].shape;
    if (!rowText.includes(`[${shape.join(', ')}]`) || !rowText.includes('F32')) throw new Error(`tree row "${rowText}" should show [${shape.join(', ')}] F32`);
    await row.click();

    const table = editor.locator('.me-stats .me-stat-table');
    await table.waitFor({ timeout: 30_000 });
    const cells: Record<string, string> = {};
    for (const tr of await table.locator('tr').all()) cells[(await tr.locator('th').innerText()).trim()] = await tr.locator('td').innerText();
    const expected = summarizeValues(readF32(file, TENSOR));
    close('min', shown(cells.min), expected.min);
    close('max', shown(cells.max), expected.max);
    close('mean', shown(cells.mean), expected.mean);
    close('std', shown(cells.std), expected.std);

    // The histogram: one bar per configured bin (package.json default), some of them non-empty.
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const bins: number = manifest.contributes?.configuration?.properties?.['layerLens.histogramBins']?.default;
    const bars = editor.locator('.me-histogram svg g[aria-label="rect"] rect');
    await waitFor('histogram bars', async () => (await bars.count()) > 0, 10_000);
    const heights = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height') ?? 0)));
    if (heights.length !== bins) throw new Error(`histogram has ${heights.length} bars, layerLens.histogramBins is ${bins}`);
    if (heights.filter((h) => h > 0).length < 2) throw new Error(`histogram bars are flat: ${heights.join(',')}`);
    await wb.screenshot('tensor-stats', { docsImage: 'model-editor' });
  },
});
