// Case 2 of issue 4: with a model open, right-click its folder in the explorer → "Analyze Layer
// Similarity" → pick the matrix kind → a heatmap renders in a panel beside the editor. The cell
// values are read from inside the webview and compared with DOCS computed here, independently, from
// the file (lib/docsOracle.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docs, vectorsOf } from '../lib/docsOracle';
import { readF32, readHeader } from '../lib/safetensorsPeek';
import { STORIES_260K, repoRoot, uiCase } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

function commandTitle(id: string): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const cmd = (manifest.contributes?.commands ?? []).find((c: { command: string }) => c.command === id);
  if (!cmd) throw new Error(`package.json does not contribute ${id}`);
  return cmd.title;
}

export default uiCase({
  title: 'right-click a model folder → Analyze Layer Similarity → DOCS heatmap beside the editor, values match the weights',
  timeoutMs: 90_000,
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb, ws) => {
    const config = JSON.parse(readFileSync(ws.path('stories260K/config.json'), 'utf8')) as { num_hidden_layers: number };
    const layers = config.num_hidden_layers;

    // The model editor first, so that "beside the editor" means something.
    await wb.openFromExplorer('stories260K/model.safetensors');
    await wb.webview('.me-header', 45_000);

    // A folder's context menu is what a user right-clicks for a whole model.
    await wb.explorerContextMenu('stories260K', commandTitle('layerLens.analyzeSimilarity'));
    // The kind QuickPick: take "up", the method's headline kind.
    const upRow = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: wb.page.locator('.label-name', { hasText: /^\s*up\s*$/ }) });
    await upRow.first().waitFor({ timeout: 20_000 });
    await wb.screenshot('kind-picker');
    await upRow.first().click();

    await wb.waitForTab('Layer similarity');
    const groups = await wb.page.locator('.part.editor .editor-group-container').count();
    if (groups < 2) throw new Error(`the similarity panel did not open beside the model editor (${groups} editor group)`);

    const panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    const cells = panel.locator('[data-testid="similarity-heatmap"] [data-testid="heat-cell"]');
    // The job streams pairs; the heatmap is complete when every layer × layer cell has a value.
    await waitFor(`${layers * layers} heatmap cells with values`, async () => (await cells.count()) === layers * layers, 60_000, 300);
    const empty = await panel.locator('[data-testid="heat-cell-empty"]').count();
    if (empty) throw new Error(`${empty} heatmap cells have no value`);
    await wb.screenshot('heatmap');

    const value = new Map<string, number>();
    for (const rect of await cells.all()) {
      const [a, b, v] = await Promise.all([rect.getAttribute('data-a'), rect.getAttribute('data-b'), rect.getAttribute('data-value')]);
      value.set(`${a},${b}`, Number(v));
    }
    const at = (a: number, b: number) => {
      const v = value.get(`${a},${b}`);
      if (v === undefined || !Number.isFinite(v)) throw new Error(`no value in cell (${a}, ${b})`);
      return v;
    };

    // Independent DOCS of the "up" weights, neuron orientation: one vector per row of [out, in].
    const file = ws.path('stories260K/model.safetensors');
    const { entries } = readHeader(file);
    const name = (l: number) => `model.layers.${l}.mlp.up_proj.weight`;
    const [out, inn] = entries[name(0)].shape;
    const vectors = Array.from({ length: layers }, (_, l) => vectorsOf(readF32(file, name(l)), out, inn, true));
    const problems: string[] = [];
    for (let a = 0; a < layers; a++) {
      for (let b = 0; b < layers; b++) {
        const shown = at(a, b);
        const expected = a === b ? 1 : docs(vectors[a], vectors[b]);
        if (Math.abs(shown - expected) > 2e-3) problems.push(`(${a},${b}) shown ${shown.toFixed(5)}, expected ${expected.toFixed(5)}`);
      }
    }
    if (problems.length) throw new Error(`heatmap values differ from DOCS of the weights: ${problems.join('; ')}`);

    const summary = await panel.locator('[data-testid="similarity-summary"]').innerText();
    if (!summary.includes(`${layers} layers`)) throw new Error(`summary "${summary}" does not say ${layers} layers`);
  },
});
