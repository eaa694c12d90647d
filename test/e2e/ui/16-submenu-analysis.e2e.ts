// The explorer's "Layer Lens" submenu holds the analyses: right-click the sample model's folder →
// Layer Lens → Analyze Layer Similarity → pick "up" → the similarity panel opens and finishes.
// The analyses are no longer top-level items of the context menu.
import { SAMPLE_MODEL, uiCase, commandTitle } from '../lib/uiCase';
import { exactText, waitFor, type Workbench } from '../lib/workbench';

/** Right-clicks `relPath`, opens the "Layer Lens" submenu and picks `item` in it. */
async function submenuItem(wb: Workbench, relPath: string, item: string): Promise<void> {
  const menu = wb.page.locator('.context-view .monaco-menu');
  const parent = menu.locator('.action-item .action-label', { hasText: exactText('Layer Lens') }).first();
  // The submenu shows once the extension has found the model folders (a context key set
  // asynchronously after activation): right-click again until it is there.
  let top: string[] = [];
  for (const deadline = Date.now() + 15_000; ;) {
    const row = await wb.revealInExplorer(relPath);
    await row.click({ button: 'right' });
    await menu.first().waitFor({ state: 'visible', timeout: 5_000 });
    top = (await menu.first().locator('.action-label').allTextContents()).map((t) => t.trim());
    if (await parent.count()) break;
    await wb.page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`the context menu has no "Layer Lens" submenu: ${top.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  if (top.includes(item)) throw new Error(`"${item}" is still a top-level item of the context menu: ${top.join(' | ')}`);
  await parent.hover();
  await wb.page.keyboard.press('ArrowRight');
  await wb.contextMenuItem(item);
}

export default uiCase({
  title: 'right-click a model folder → Layer Lens submenu → Analyze Layer Similarity runs the analysis',
  timeoutMs: 90_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb) => {
    await submenuItem(wb, 'sample-model', commandTitle('layerLens.analyzeSimilarity'));
    await wb.pickQuickPickItem('up');
    await wb.waitForTab('Layer similarity');
    const panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the similarity run to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    await wb.screenshot('submenu-similarity');
  },
});
