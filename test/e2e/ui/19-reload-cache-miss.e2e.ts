// A panel whose result is no longer cached comes back after a reload with its options and a Run
// button, and computes nothing until the user asks: run layer similarity, "Layer Lens: Clear Cached
// Results", reload the window, see "Not run yet" and the Run banner, press Run, get the heatmap.
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

export default uiCase({
  title: 'after Clear Cached Results and a reload, the similarity panel offers Run instead of computing',
  timeoutMs: 150_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb) => {
    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzeSimilarity'));
    await wb.pickQuickPickItem('up');
    let panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    await waitFor('the run to finish', async () => /Done in/.test(await panel.locator('.ll-status-text').innerText()), 60_000, 300);

    await wb.runCommand(paletteTitle('layerLens.clearCache'));
    await waitFor('the cleared notification', async () => (await wb.notificationTexts()).some((t) => /removed \d+ cached results/.test(t)), 10_000);
    // VS Code saves a webview's state and the workspace storage asynchronously: give it a moment.
    await new Promise((r) => setTimeout(r, 3000));

    await wb.reloadWindow();
    await wb.waitForTab('Layer similarity', 60_000);
    await wb.page.locator('.tabs-container .tab', { hasText: 'Layer similarity' }).first().click();
    panel = await wb.webview('[data-testid="not-run"]', 60_000);
    const banner = panel.locator('[data-testid="not-run"]');
    await waitFor('the Run banner', async () => banner.isVisible(), 10_000);
    const status = await panel.locator('.ll-status-text').innerText();
    if (!/Not run yet/.test(status)) throw new Error(`status is "${status}", expected "Not run yet"`);
    await wb.screenshot('not-run-banner');
    await panel.locator('[data-testid="not-run-run"]').click();
    await waitFor('the run to finish', async () => /Done in/.test(await panel.locator('.ll-status-text').innerText()), 60_000, 300);
    if ((await panel.locator('[data-testid="similarity-heatmap"] [data-testid="heat-cell"]').count()) === 0) throw new Error('no heatmap after Run');
  },
});
