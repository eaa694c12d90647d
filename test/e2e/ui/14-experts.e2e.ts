// Right-click a mixture-of-experts model folder (a Mixtral-shaped fixture in the real tensor names)
// → "Analyze Expert Similarity" → pick the first MoE layer → the expert × expert DOCS heatmap of
// its up matrices. Every pair's value the panel drew equals DOCS computed here in float64 from the
// expert matrices the fixture wrote (test/e2e/lib/docsOracle.ts, which shares no code with the
// implementation).
import { writeMoeFixture, type MoeFixture } from '../../fixtures/moeLayouts';
import { docs, vectorsOf } from '../lib/docsOracle';
import { commandTitle, uiCase } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

let fixture: MoeFixture | undefined;

export default uiCase({
  title: 'right-click an MoE model → Analyze Expert Similarity → the expert × expert DOCS heatmap matches float64 DOCS of the fixture',
  timeoutMs: 120_000,
  setup: async (ws) => {
    fixture = await writeMoeFixture(ws.path('mixtral'), { arch: 'mixtral' });
  },
  run: async (wb) => {
    const truth = fixture!.layers[0].experts!;
    await wb.openFromExplorer('mixtral/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.explorerContextMenu('mixtral', commandTitle('layerLens.analyzeExperts'));
    const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
    await rows.filter({ hasText: 'Layer 0' }).first().click();
    await wb.waitForTab('Expert similarity');

    const panel = await wb.webview('[data-testid="experts-heatmap"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the expert similarity run to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    const svg = panel.locator('[data-testid="experts-heatmap"] [data-cells]').first();
    const cells = JSON.parse((await svg.getAttribute('data-cells')) ?? '[]') as [string, string, number | null][];
    const E = truth.length;
    if (cells.length !== (E * (E - 1)) / 2) throw new Error(`the heatmap has ${cells.length} pairs, expected ${(E * (E - 1)) / 2} of ${E} experts`);
    for (const [a, b, value] of cells) {
      const x = truth[Number(a.slice(1))].up;
      const y = truth[Number(b.slice(1))].up;
      // up is [F, D]: its rows (one per expert neuron) are the compared vectors, as in the neuron orientation.
      const want = docs(vectorsOf(x.data, x.rows, x.cols, true), vectorsOf(y.data, y.rows, y.cols, true));
      if (value === null || Math.abs(value - want) > 1e-4) throw new Error(`${a}×${b}: the panel drew ${value}, float64 DOCS ${want}`);
    }
    await wb.screenshot('experts-heatmap');
  },
});
