// select text in an editor → "Analyze Activation for Selection" → pick
// the bundled sample model → the activation panel draws the activated fraction per layer (stacked
// by matrix kind), the pruning table (one row per layer, ratios averaging the 50 % target) and
// lists the selection as the first prompt.
import { readFileSync } from 'node:fs';
import { SAMPLE_MODEL, uiCase } from '../lib/uiCase';
import { chooseOption, fillField, waitFor } from '../lib/workbench';

const TEXT = 'Once upon a time, there was a little fox named Tom.';

export default uiCase({
  title: 'select text in an editor, run "Analyze Activation for Selection" on the sample model, see the activation plot',
  timeoutMs: 150_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
    ws.writeFile('story.txt', `${TEXT}\n`);
  },
  run: async (wb, ws) => {
    const config = JSON.parse(readFileSync(ws.path('sample-model/config.json'), 'utf8')) as { num_hidden_layers: number };
    await wb.openFromExplorer('story.txt');
    await wb.waitForTab('story.txt');
    await wb.editorSelectAllContextMenu('Analyze Activation for Selection');

    // The model picker lists the workspace's model folders; the sample model copied there is one.
    const row = wb.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ hasText: 'workspace model' })
      .filter({ hasText: 'sample-model' });
    await row.first().waitFor({ state: 'visible', timeout: 20_000 });
    await wb.screenshot('model-picker');
    await row.first().click();

    const panel = await wb.webview('[data-testid="activation-run"]', 60_000);
    const status = panel.locator('.ll-status-text');
    await waitFor(
      'the activation run to finish',
      async () => {
        const text = await status.innerText();
        if (/Failed/.test(text)) throw new Error(`the run failed: ${await panel.locator('.ll-message').innerText()}`);
        return /Done in/.test(text);
      },
      120_000,
      500,
    );
    await wb.screenshot('activation-panel');

    // Stacked bars: one rect per (layer, matrix kind).
    const bars = panel.locator('[data-testid="activation-fraction"] svg g[aria-label="bar"] rect');
    const nBars = await bars.count();
    if (nBars !== config.num_hidden_layers * 7)
      throw new Error(`the fraction plot has ${nBars} bars, expected ${config.num_hidden_layers} layers × 7 matrices`);
    const heights = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height') ?? 0)));
    if (!heights.some((h) => h > 0)) throw new Error('every bar of the activated-fraction plot is empty');

    const tableRows = panel.locator('[data-testid="activation-prune-table"] tbody tr');
    if ((await tableRows.count()) !== config.num_hidden_layers)
      throw new Error(`pruning table has ${await tableRows.count()} rows, the model ${config.num_hidden_layers} layers`);
    const ratios = (await panel.locator('[data-testid="activation-prune-table"] td.ll-activation-prune').allInnerTexts()).map((t) =>
      Number(t.replace('%', '').trim()),
    );
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    if (Math.abs(mean - 50) > 0.5) throw new Error(`pruning ratios ${ratios.join(', ')} % average ${mean} %, the target is 50 %`);

    const firstPrompt = (await panel.locator('.ll-activation-label').first().innerText()).trim();
    if (!TEXT.startsWith(firstPrompt.slice(0, 30))) throw new Error(`the first prompt is "${firstPrompt}", not the selection`);

    // Re-run from the panel with a relative threshold (options round-trip through the host's validation).
    await chooseOption(panel, 'activation-threshold-kind', 'relative');
    await fillField(panel, 'activation-threshold', '1');
    await panel.locator('[data-testid="activation-run"]').click();
    await waitFor(
      'the relative-threshold run to finish',
      async () => /relative/.test(await panel.locator('[data-testid="activation-summary"]').innerText()) && /Done in/.test(await status.innerText()),
      120_000,
      500,
    );
    const activated = (await tableRows.locator('td:nth-child(2)').allInnerTexts()).map((t) => Number(t.replace('%', '').trim()));
    if (!activated.some((a) => a < 95)) throw new Error(`with τ = mean |A| every layer is still ≥ 95 % activated: ${activated.join(', ')}`);
    await wb.screenshot('relative-threshold');
  },
});
