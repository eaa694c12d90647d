// A window reload brings an analysis panel back from the cache: open weight spectra on the sample
// model, let it finish, reload the window at once: the "Weight spectra" tab is there again with its
// result drawn ("Done in …", no "Not run yet", no run in progress). Under code-server the restored
// page sometimes never loads; the panel then loads it again (pageLoadWatchdog.ts), which this case
// exercises about one reload in eight.
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

export default uiCase({
  title: 'a window reload restores the weight-spectra panel with its result from the cache, without a run',
  timeoutMs: 150_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb) => {
    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzeSpectra'));
    await wb.waitForTab('Weight spectra');
    let panel = await wb.webview('.ll-status-text', 30_000);
    await waitFor('the spectra run to finish', async () => /Done in/.test(await panel.locator('.ll-status-text').innerText()), 90_000, 300);
    const firstStatus = await panel.locator('.ll-status-text').innerText();

    await wb.reloadWindow();
    await wb.waitForTab('Weight spectra', 60_000);
    await wb.page.locator('.tabs-container .tab', { hasText: 'Weight spectra' }).first().click();
    panel = await wb.webview('.ll-status-text', 60_000);
    // The stored result shows within seconds; a recomputation would show "Computing…" first.
    const status = await waitFor(
      'the restored result',
      async () => {
        const t = await panel.locator('.ll-status-text').innerText();
        if (/Computing/.test(t)) throw new Error('the restored panel started a run');
        return /Done in/.test(t) ? t : undefined;
      },
      15_000,
      100,
    );
    if ((await panel.locator('[data-testid="not-run"]:visible').count()) > 0) throw new Error('the restored panel says it has no result');
    // The seconds shown are the stored run's.
    if (status !== firstStatus) throw new Error(`restored status "${status}" differs from the run's "${firstStatus}"`);
    await wb.screenshot('restored-after-reload');
  },
});
