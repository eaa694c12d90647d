// open the sample model, run "Layer Lens: Analyze Persistence Similarity" from the command
// palette with its editor active, choose the built-in prompts → the panel draws the (L+1)² heatmap,
// Betti curves, S̄₁ with the threshold line, the baselines and the barcode; the suggestions it
// prints equal those of the same analysis run in this process (runPersistenceJob, whose numbers the
// unit tests check against references), and moving the p slider to 0.8 updates the prune button.
import { getEngine } from '../../../src/analysis/engine/engine';
import { openModel } from '../../../src/analysis/model/openModel';
import { runPersistenceJob } from '../../../src/analysis/methods/persistence/job';
import { DEFAULT_PERSISTENCE_OPTIONS, persistenceJobParams } from '../../../src/analysis/methods/persistence/options';
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { fillField, waitFor } from '../lib/workbench';

export default uiCase({
  title: 'sample model editor → palette "Analyze Persistence Similarity" → heatmap, Betti curves, S̄₁ threshold, barcode, suggestions',
  timeoutMs: 150_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb, ws) => {
    const model = await openModel(ws.path('sample-model'));
    const expected = await runPersistenceJob(model, persistenceJobParams(DEFAULT_PERSISTENCE_OPTIONS, {}), {
      engine: await getEngine({ providers: ['cpu'] }),
    });
    const clouds = expected.cloudNames.length;

    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzePersistence'));
    const row = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'Built-in prompt sets' });
    await row.first().waitFor({ state: 'visible', timeout: 20_000 });
    await row.first().click();
    await wb.waitForTab('Persistence similarity');

    const panel = await wb.webview('[data-testid="persistence-run"]', 60_000);
    const status = panel.locator('.ll-status-text');
    await waitFor(
      'the persistence run to finish',
      async () => {
        const text = await status.innerText();
        if (/Failed/.test(text)) throw new Error(`the run failed: ${await panel.locator('.ll-message').innerText()}`);
        return /Done in/.test(text);
      },
      120_000,
      500,
    );
    await wb.screenshot('done');

    // The first cell mark is the heatmap; the suggested and pruned blocks are outlined by cell marks after it.
    const cells = await panel.locator('[data-testid="persistence-heatmap"] svg g[aria-label="cell"]').first().locator('rect').count();
    if (cells !== clouds * clouds) throw new Error(`heatmap has ${cells} cells, expected ${clouds}×${clouds}`);
    const bettiLines = await panel.locator('[data-testid="persistence-betti"] svg [aria-label="line"] path').count();
    if (bettiLines !== expected.homologyDims.length) throw new Error(`Betti plot has ${bettiLines} curves, expected ${expected.homologyDims.length}`);
    const bars = await panel.locator('[data-testid="persistence-barcode"] svg g[aria-label="rule"] line').count();
    const h1 = expected.positionBars.filter((b) => b.dim === 1).length;
    if (bars < h1) throw new Error(`barcode shows ${bars} rules, the analysis has ${h1} H1 bars`);
    if ((await panel.locator('[data-testid="persistence-baselines"] svg [aria-label="line"] path').count()) < 2)
      throw new Error('baseline plot lacks Block Influence and angular distance');

    const text = await panel.locator('[data-testid="persistence-suggestions"]').innerText();
    for (const s of expected.suggestions) {
      const want = `p = ${s.p}: ${s.layers.length ? `layers ${s.layers.join(', ')}` : 'none'}`;
      if (!text.includes(want)) throw new Error(`suggestions read "${text}", expected to contain "${want}"`);
    }
    const summary = await panel.locator('[data-testid="persistence-summary"]').innerText();
    if (!summary.startsWith(`${expected.prompts} prompts · k = 5 · clique dim ${expected.maxDim} · ${expected.bars.length} bars`))
      throw new Error(`summary "${summary}" differs from the analysis`);

    // The slider recomputes the suggestion in the webview: at p = 0.8 the button names those layers.
    const p08 = expected.suggestions.find((s) => s.p === 0.8)!;
    await fillField(panel, 'persistence-ratio', '0.8');
    const button = panel.locator('[data-testid="persistence-prune"]');
    const wantButton = p08.layers.length ? `remove layers ${p08.layers.join(', ')}` : 'No layer suggested';
    await waitFor(`the prune button to read "${wantButton}"`, async () => (await button.innerText()).includes(wantButton), 10_000);
    await wb.screenshot('p-0.8');
  },
});
