// Training timeline: a workspace holding a Trainer-style run (three checkpoint-<step>/ folders of the
// stories260K model, the later ones with layer 1's down_proj scaled) → right-click the run folder →
// "Show Training Timeline" → the quick pick lists the three checkpoints → the panel's heatmap of
// drift_first for down shows ‖Wₜ − W₀‖/‖W₀‖ computed here from the files (0 everywhere but layer 1).
// Then a fourth checkpoint lands (weights first, trainer_state.json last): the "added" notification
// appears and the heatmap gains its column.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_260K, uiCase, commandTitle } from '../lib/uiCase';
import { readF32, readHeader } from '../lib/safetensorsPeek';
import { chooseOption, waitFor } from '../lib/workbench';

const DOWN1 = 'model.layers.1.mlp.down_proj.weight';

function scaleDown1(file: string, factor: number): void {
  const { entries, dataStart, bytes } = readHeader(file);
  const e = entries[DOWN1];
  if (!e || e.dtype !== 'F32') throw new Error(`${file} has no F32 ${DOWN1}`);
  for (let at = dataStart + e.data_offsets[0]; at < dataStart + e.data_offsets[1]; at += 4) bytes.writeFloatLE(bytes.readFloatLE(at) * factor, at);
  writeFileSync(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const STEPS: [number, number][] = [
  [0, 1],
  [100, 1.25],
  [200, 1.5],
];

export default uiCase({
  title: 'right-click a run folder → Show Training Timeline → quick pick of checkpoints → drift heatmap; a new checkpoint is added live',
  timeoutMs: 180_000,
  setup: (ws) => {
    for (const [step, factor] of STEPS) {
      const dir = ws.copyModel(STORIES_260K, `run/checkpoint-${step}`);
      if (factor !== 1) scaleDown1(join(dir, 'model.safetensors'), factor);
      writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: step }));
    }
  },
  run: async (wb, ws) => {
    const w0 = readF32(ws.path('run/checkpoint-0/model.safetensors'), DOWN1);
    const norm0 = Math.hypot(...w0);
    const drift = (step: number) => {
      const w = readF32(ws.path(`run/checkpoint-${step}/model.safetensors`), DOWN1);
      let d = 0;
      for (let i = 0; i < w.length; i++) d += (w[i] - w0[i]) ** 2;
      return Math.sqrt(d) / norm0;
    };

    await wb.openFromExplorer('run/checkpoint-0/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.explorerContextMenu('run', commandTitle('layerLens.showTimeline'));
    const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
    // Each row's label (its detail line, with size and date, is a label of its own in newer VS Code).
    const labels = (await rows.locator('.label-name').allInnerTexts()).map((t) => t.trim()).filter((t) => /^step \d+$/.test(t));
    if (labels.join('|') !== 'step 0|step 100|step 200') throw new Error(`the quick pick lists ${labels.join(' | ')}`);
    await wb.screenshot('quick-pick');
    await wb.page.keyboard.press('Enter');

    await wb.waitForTab('Training timeline');
    const panel = await wb.webview('[data-testid="timeline-metric"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the timeline to finish', async () => /Done in/.test(await status.innerText()), 90_000, 300);
    await chooseOption(panel, 'timeline-metric', 'drift_first');
    await chooseOption(panel, 'timeline-kind', 'down');
    const cells = panel.locator('[data-testid="timeline-cell"]');
    await waitFor('the down heatmap', async () => (await cells.count()) === 5 * 3, 10_000);
    const problems: string[] = [];
    for (const rect of await cells.all()) {
      const [step, layer, value] = await Promise.all([rect.getAttribute('data-step'), rect.getAttribute('data-layer'), rect.getAttribute('data-value')]);
      const want = layer === '1' ? drift(Number(step)) : 0;
      if (!(Math.abs(Number(value) - want) <= 1e-6 * Math.max(want, 1e-9))) problems.push(`step ${step} L${layer}: shown ${value}, expected ${want}`);
    }
    if (problems.length) throw new Error(`drift_first is wrong: ${problems.join('; ')}`);
    await wb.screenshot('timeline', { docsImage: 'timeline' });

    // A checkpoint lands: weights first, trainer_state.json last, as the Trainer writes it.
    const dir = ws.path('run/checkpoint-300');
    cpSync(ws.path('run/checkpoint-200'), dir, { recursive: true, filter: (src) => !src.endsWith('trainer_state.json') });
    scaleDown1(join(dir, 'model.safetensors'), 1.2);
    await new Promise((r) => setTimeout(r, 4000));
    if ((await cells.count()) !== 15) throw new Error('a checkpoint without its trainer_state.json was added');
    writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 300 }));
    await waitFor(
      'the "checkpoint 300 added" notification',
      async () => (await wb.notificationTexts()).some((t) => /checkpoint 300 added/.test(t)),
      30_000,
      500,
    );
    await waitFor('the new column', async () => (await cells.count()) === 5 * 4, 60_000, 500);
    const added = panel.locator('[data-testid="timeline-cell"][data-step="300"][data-layer="1"]');
    const want = drift(300);
    const shown = Number(await added.getAttribute('data-value'));
    if (!(Math.abs(shown - want) <= 1e-6 * want)) throw new Error(`step 300 L1 drift_first shown ${shown}, expected ${want}`);
  },
});
