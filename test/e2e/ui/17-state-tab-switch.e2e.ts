// View choices survive a tab switch: in the similarity panel choose the CKA index and click a cell,
// hide the panel behind another editor in its group (its webview is destroyed: panels do not retain
// their context when hidden), show it again: the index is still CKA and the same pair is selected.
import { SAMPLE_MODEL, uiCase, paletteTitle } from '../lib/uiCase';
import { chooseOption, controlValue, waitFor } from '../lib/workbench';

export default uiCase({
  title: 'similarity panel: the chosen index and selected pair survive hiding and showing the tab',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb) => {
    // The model editor is the model the palette command acts on.
    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.runCommand(paletteTitle('layerLens.analyzeSimilarity'));
    await wb.pickQuickPickItem('up');
    await wb.waitForTab('Layer similarity');
    let panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    await waitFor('the run to finish', async () => /Done in/.test(await panel.locator('.ll-status-text').innerText()), 60_000, 300);

    await chooseOption(panel, 'similarity-index', 'cka');
    const cell = panel.locator('[data-testid="similarity-heatmap"] [data-testid="heat-cell"]').nth(1);
    await cell.click();
    const detail = panel.locator('[data-testid="similarity-detail-summary"]');
    await detail.waitFor({ timeout: 10_000 });
    const before = await detail.innerText();

    // Another editor in the panel's group (the focused one, beside the model editor) hides it.
    await wb.openFromExplorer('sample-model/config.json');
    await wb.page.locator('.tabs-container .tab', { hasText: 'Layer similarity' }).first().click();

    panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    await waitFor('the index CKA after the tab came back', async () => (await controlValue(panel, 'similarity-index')) === 'cka', 10_000);
    // The selected pair's detail (its two layers and every index) is drawn again for the same pair.
    const after = panel.locator('[data-testid="similarity-detail-summary"]');
    await waitFor('the selected pair after the tab came back', async () => (await after.count()) > 0, 10_000);
    if ((await after.innerText()) !== before) throw new Error(`the selected pair changed with the tab switch: "${await after.innerText()}", was "${before}"`);
    await wb.screenshot('state-restored');
  },
});
