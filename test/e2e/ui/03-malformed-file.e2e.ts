// a malformed .safetensors file → a clear error in the editor, and the window
// stays usable: the palette still works and a good model opens afterwards in the same window.
import { STORIES_260K, uiCase } from '../lib/uiCase';

function malformedHeader(): Uint8Array {
  // A plausible header length followed by text that is not JSON: what a truncated download or a
  // renamed file looks like.
  const body = new TextEncoder().encode('{"model.weight": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]');
  const file = new Uint8Array(8 + body.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(body.length), true);
  file.set(body, 8);
  return file;
}

export default uiCase({
  title: 'a malformed .safetensors file shows a clear error and the window stays usable',
  setup: (ws) => {
    ws.writeFile('broken.safetensors', malformedHeader());
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb) => {
    await wb.openFromExplorer('broken.safetensors');
    await wb.waitForTab('broken.safetensors');
    const editor = await wb.webview('.me-failed', 45_000);
    const message = (await editor.locator('.me-failed').innerText()).replace(/\s+/g, ' ').trim();
    await wb.screenshot('error-shown');
    if (!/cannot be read/i.test(message)) throw new Error(`the error does not say the model cannot be read: "${message}"`);
    // Specific: it names what is wrong with the header, not just "failed".
    if (!/header|json/i.test(message)) throw new Error(`the error does not say what is wrong: "${message}"`);
    if (/undefined|\[object|TypeError|at \w+ \(/.test(message)) throw new Error(`the error leaks internals: "${message}"`);
    const toasts = await wb.errorNotifications();
    if (toasts.some((t) => /crash|exited|restart/i.test(t))) throw new Error(`the worker crashed on bad input: ${toasts.join(' | ')}`);

    if (!(await wb.isResponsive())) throw new Error('the command palette no longer opens after the error');
    await wb.openFromExplorer('stories260K/model.safetensors');
    await wb.waitForTab('model.safetensors');
    const good = await wb.webview('.me-header', 45_000);
    await good.locator('.me-header h1').filter({ hasText: 'model.safetensors' }).waitFor();
    await wb.screenshot('good-model-after-error');
  },
});
