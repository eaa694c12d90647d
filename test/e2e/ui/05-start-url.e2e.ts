// `npm start` prints a workbench URL that opens the sample model's weights at startup. VS Code
// resolves that file before Layer Lens's editor is registered, so without the extension's
// startup reopen (src/extension/editor/reopenInModelEditor.ts) it shows the "binary file" notice.
// This opens the same kind of URL and expects the model editor, and only it, for that file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_MODEL, STORIES_260K, uiCase } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

// The model npm start opens: the trained sample model when the checkout has it, else stories260K.
const MODEL = existsSync(join(SAMPLE_MODEL, 'model.safetensors')) ? { from: SAMPLE_MODEL, as: 'sample-model' } : { from: STORIES_260K, as: 'stories260K' };

export default uiCase({
  title: 'the URL npm start prints, with a model file in it, opens that file in the model editor',
  openFile: `${MODEL.as}/model.safetensors`,
  setup: (ws) => {
    ws.copyModel(MODEL.from, MODEL.as);
  },
  run: async (wb, ws) => {
    const config = JSON.parse(readFileSync(ws.path(`${MODEL.as}/config.json`), 'utf8')) as { model_type: string; num_hidden_layers: number };
    const editor = await wb.webview('.me-header', 45_000);
    await editor.locator('.me-header h1').filter({ hasText: 'model.safetensors' }).waitFor();
    const arch = (await editor.locator('.me-arch').innerText()).toLowerCase();
    if (!arch.includes(config.model_type)) throw new Error(`architecture shown as "${arch}", config.json says ${config.model_type}`);
    const facts = (await editor.locator('.me-facts').innerText()).replace(/\s+/g, ' ');
    if (!facts.includes(`${config.num_hidden_layers} layers`)) throw new Error(`the overview says "${facts}", expected ${config.num_hidden_layers} layers`);
    // The binary-file tab the URL first produced is gone: one tab for the file, no notice.
    await waitFor('a single model.safetensors tab', async () => (await wb.editorTabs()).filter((t) => t.includes('model.safetensors')).length === 1, 10_000);
    const notices = await wb.page.getByText('The file is not displayed in the text editor').count();
    if (notices > 0) throw new Error('the binary-file notice is still shown for the model file');
    await wb.screenshot('model-editor-from-url');
  },
});
