// The harness itself: the workbench loads, Layer Lens activates as the development extension, and
// the commands its package.json contributes are in the command palette.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_260K, repoRoot, uiCase } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

interface Manifest {
  contributes?: { commands?: { command: string; title: string; category?: string }[] };
}

export default uiCase({
  title: 'the workbench loads with Layer Lens active and its commands in the palette',
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    const commands = manifest.contributes?.commands ?? [];
    if (commands.length === 0) throw new Error('package.json contributes no commands');
    const open = commands.find((c) => c.command === 'layerLens.openModelFolder') ?? commands[0];
    const title = open.category ? `${open.category}: ${open.title}` : open.title;
    await wb.waitForCommand(title);
    await wb.screenshot('command-listed');
    await wb.closePalette();

    // Layer Lens activates on its first command (no eager activation). "Show Worker Log" is the
    // harmless one; then "Developer: Show Running Extensions", which lists activated extensions
    // only, must show it without an activation error.
    await wb.runCommand('Layer Lens: Show Worker Log');
    await wb.runCommand('Developer: Show Running Extensions');
    // A development extension is listed by its id.
    const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row').filter({ hasText: /Layer Lens|layer-lens\.layer-lens/ });
    await waitFor('Layer Lens in the running extensions list', async () => (await row.count()) > 0, 20_000);
    await wb.screenshot('running-extensions');
    const rowText = (await row.first().innerText()).replace(/\s+/g, ' ');
    if (!/Activation: \d+ms/.test(rowText)) throw new Error(`Layer Lens is listed but not activated: ${rowText}`);
    if (/error|failed/i.test(rowText)) throw new Error(`Layer Lens activation problem: ${rowText}`);
  },
});
