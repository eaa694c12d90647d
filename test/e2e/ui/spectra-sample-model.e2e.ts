// open the project's sample model, run "Layer Lens: Analyze Weight Spectra" from the
// command palette with its editor active → the spectra panel renders: a 4 × 7 heatmap whose cells
// carry the numbers the analysis computes for the same files (runSpectra in this process; its
// agreement with scipy is tested in test/unit/analysis/methods/spectra/model.test.ts), the randomness-vs-depth
// lines, and for a head the histogram with the Marchenko–Pastur curve.
import { runSpectra } from '../../../src/analysis/methods/spectra/spectra';
import { openModel } from '../../../src/analysis/model/openModel';
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { chooseOption, waitFor } from '../lib/workbench';

export default uiCase({
  title: 'sample model editor → palette "Analyze Weight Spectra" → heatmap, depth lines and MP histogram with the analysis numbers',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb, ws) => {
    const expected = await runSpectra(await openModel(ws.path('sample-model')));
    const layers = expected.layers.length;

    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzeSpectra'));
    await wb.waitForTab('Weight spectra');

    const panel = await wb.webview('[data-testid="spectra-heatmap"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the spectra run to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    await wb.screenshot('done', { docsImage: 'spectra' });

    // Default metric: the mean KS p (heads averaged for q, k, v, o), one cell per layer and kind.
    const cells = panel.locator('[data-testid="spectra-cell"]');
    const count = await cells.count();
    if (count !== layers * 7) throw new Error(`heatmap has ${count} cells with values, expected ${layers * 7}`);
    const problems: string[] = [];
    for (const rect of await cells.all()) {
      const [layer, kind, value] = await Promise.all([rect.getAttribute('data-layer'), rect.getAttribute('data-kind'), rect.getAttribute('data-value')]);
      const entry = expected.entries.find((e) => e.layer === Number(layer) && e.kind === kind);
      if (!entry || entry.meanP === null || Math.abs(Number(value) - entry.meanP) > 1e-6)
        problems.push(`L${layer} ${kind}: shown ${value}, computed ${entry?.meanP}`);
    }
    if (problems.length) throw new Error(`heatmap differs from the analysis: ${problems.join('; ')}`);

    // Stable rank: a metric every matrix has.
    await chooseOption(panel, 'spectra-metric', 'stableRank');
    const down = panel.locator('[data-testid="spectra-cell"][data-kind="down"][data-layer="3"]');
    await waitFor('the stable-rank heatmap', async () => (await down.count()) === 1 && Number(await down.getAttribute('data-value')) > 1, 10_000);
    const want = expected.entries.find((e) => e.layer === 3 && e.kind === 'down')!.spectrum.metrics.stableRank;
    if (Math.abs(Number(await down.getAttribute('data-value')) - want) > 1e-6 * want)
      throw new Error(`L3 down stable rank shown ${await down.getAttribute('data-value')}, computed ${want}`);

    const depthLines = await panel.locator('[data-testid="spectra-depth"] svg [aria-label="line"] path').count();
    if (depthLines < 3) throw new Error(`randomness vs depth shows ${depthLines} lines, expected q, k, v`);

    // A key head (GQA: 2 kv heads of [32, 128]): histogram with the MP curve and its summary.
    await chooseOption(panel, 'spectra-layer', '1');
    await chooseOption(panel, 'spectra-kind', 'k');
    await chooseOption(panel, 'spectra-head', '1');
    const summary = panel.locator('[data-testid="spectra-summary"]');
    await waitFor('the head summary', async () => (await summary.innerText()).startsWith('layer 1 k head 1: 32×128'), 10_000);
    const heads = await panel.locator('[data-testid="spectra-head"] [role="option"]').count();
    if (heads !== 3) throw new Error(`the head list has ${heads} entries, expected the whole matrix and 2 kv heads`);
    if ((await panel.locator('[data-testid="spectra-histogram"] svg [aria-label="line"]').count()) < 1)
      throw new Error('the singular-value histogram has no Marchenko–Pastur curve');
    await wb.screenshot('head-detail');
  },
});
